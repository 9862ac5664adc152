import Testing
@testable import QrewCore

struct TemplateTests {
    @Test func parsesAllReferenceKinds() throws {
        let template = try Template(parsing: "a ${{ steps.build.output }} ${{matrix.os}} ${{ params.v }}-${{ run.id }}")
        #expect(template.references == [.stepOutput("build"), .matrix("os"), .param("v"), .runID])
        #expect(template.segments.first == .literal("a "))
    }

    @Test(arguments: ["${{ steps.build }}", "${{ foo }}", "${{ matrix. }}", "x ${{ params.v", "${{ run.name }}"])
    func rejectsMalformedTemplates(_ text: String) {
        #expect(throws: TemplateError.self) { try Template(parsing: text) }
    }

    @Test(arguments: [
        ("${{ x }}", true), ("a ${{b", true), ("$${{", true), ("é ${{ matrix.i }}", true),
        ("", false), ("plain", false), ("$ {{", false), ("${ {", false), ("{{ x }}", false), ("$", false),
    ])
    func spotsTextThatMayHoldATemplate(_ text: String, _ expected: Bool) {
        #expect(Template.mayContainReference(text) == expected)
    }

    /// Found by the template fuzz target: a space after U+0600 (a prepended mark) shares its
    /// `Character`, so trimming by `Character` kept it in the canonical form `renderPartially`
    /// writes and the name read back changed.
    @Test func canonicalFormParsesToTheSameReferences() throws {
        for text in ["${{ params.a\u{0600}}}", "${{ run.id\u{2028}}}", "x\u{0600}${{ matrix.k\t}}\u{0301}"] {
            let template = try? Template(parsing: text)
            let canonical = try TemplateRenderer(context: TemplateContext()).renderPartially(text)
            #expect((try? Template(parsing: canonical)) == template, "\(text.debugDescription) → \(canonical.debugDescription)")
        }
    }

    @Test func rendersWithFullContext() throws {
        let renderer = TemplateRenderer(context: TemplateContext(
            matrix: ["os": "linux"], params: ["v": "2"], stepOutputs: ["build": "ok"], runID: "r1"
        ))
        #expect(try renderer.render("${{ steps.build.output }}/${{ matrix.os }}/${{ params.v }}/${{ run.id }}") == "ok/linux/2/r1")
        #expect(try renderer.render("plain $ text") == "plain $ text")
    }

    @Test func unknownReferenceAtRenderTimeIsATypedError() {
        let renderer = TemplateRenderer(context: TemplateContext())
        #expect(throws: TemplateError.unresolved(.stepOutput("build"))) {
            try renderer.render("${{ steps.build.output }}")
        }
    }

    @Test func partialRenderingKeepsUnknownReferences() throws {
        let renderer = TemplateRenderer(context: TemplateContext(matrix: ["os": "linux"]))
        #expect(try renderer.renderPartially("${{matrix.os}}:${{steps.b.output}}") == "linux:${{ steps.b.output }}")
    }

    /// Renderers sharing a cache (one per matrix task in decomposition) give what uncached
    /// renderers give, each with its own context; a text that does not parse fails every time.
    @Test func sharedCacheRendersLikeFreshParsing() throws {
        let cache = TemplateCache()
        let texts = ["echo ${{ matrix.i }} on ${{ params.os }}", "${{matrix.i}}-${{ steps.a.output }}", "plain", "$ {{ x }}"]
        for value in ["0", "1", "a \"quoted\" value", ""] {
            let context = TemplateContext(matrix: ["i": value], params: ["os": "linux"])
            let cached = TemplateRenderer(context: context, cache: cache)
            let fresh = TemplateRenderer(context: context)
            for text in texts {
                #expect(try cached.renderPartially(text) == fresh.renderPartially(text))
            }
            #expect(try cached.render("${{ matrix.i }}") == value)
            #expect(throws: TemplateError.self) { try cached.renderPartially("x ${{ matrix.i") }
            #expect(throws: TemplateError.unresolved(.stepOutput("a"))) { try cached.render("${{ steps.a.output }}") }
        }
    }
}
