import QrewCore

/// `${{ ... }}` templates on arbitrary text: the bytes before the first NUL are the template,
/// the bytes after it the value every reference renders to. Checked: the fast pre-check never
/// misses a reference; the literal segments are exactly the text outside `${{ ... }}`, byte for
/// byte; the canonical form `renderPartially` writes back (what a worker renders later) parses
/// to the same segments; rendering with every reference resolved succeeds and equals the
/// literals and values in order.
enum TemplateFuzz {
    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        let (head, tail) = bytes.splitOnce(at: 0)
        let text = String(fuzzBytes: head)
        let value = String(fuzzBytes: tail ?? [])
        let template: Template
        do {
            template = try Template(parsing: text)
        } catch {
            _ = error.description
            try expect(Template.mayContainReference(text), "'\(text)' fails to parse without any '${{'")
            return
        }
        if !Template.mayContainReference(text) {
            try expect(template.references.isEmpty, "the pre-check misses a reference in \(text.debugDescription)")
        }
        var literals: [UInt8] = []
        for case .literal(let literal) in template.segments { literals += literal.utf8 }
        let outside = outsideReferences(Array(text.utf8))
        try expect(literals == outside, "literals \(String(fuzzBytes: literals).debugDescription) are not the text outside references \(String(fuzzBytes: outside).debugDescription)")

        let canonical: String
        do {
            canonical = try TemplateRenderer(context: TemplateContext()).renderPartially(text)
        } catch {
            throw FuzzFailure("renderPartially fails on a parsed template: \(error)")
        }
        try expect(
            (try? Template(parsing: canonical))?.segments == template.segments,
            "the canonical form \(canonical.debugDescription) of \(text.debugDescription) parses differently")

        var context = TemplateContext(runID: value)
        for reference in template.references {
            switch reference {
            case .stepOutput(let id): context.stepOutputs[id] = value
            case .matrix(let key): context.matrix[key] = value
            case .param(let name): context.params[name] = value
            case .runID: break
            case .secret(let name): context.secrets[name] = value
            }
        }
        var expected = ""
        for segment in template.segments {
            switch segment {
            case .literal(let literal): expected += literal
            case .reference: expected += value
            }
        }
        let rendered: String
        do {
            rendered = try TemplateRenderer(context: context).render(text)
        } catch {
            throw FuzzFailure("render fails with every reference resolved: \(error)")
        }
        try expect(rendered == expected, "rendered \(rendered.debugDescription), expected \(expected.debugDescription)")
    }

    /// The bytes outside `${{ ... }}` spans, found by a plain byte scan.
    private static func outsideReferences(_ bytes: [UInt8]) -> [UInt8] {
        let open = Array("${{".utf8)
        let close = Array("}}".utf8)
        func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard bytes.count >= needle.count, start <= bytes.count - needle.count else { return nil }
            return (start...(bytes.count - needle.count)).first { bytes[$0..<($0 + needle.count)].elementsEqual(needle) }
        }
        var result: [UInt8] = []
        var position = 0
        while let start = find(open, from: position), let end = find(close, from: start + open.count) {
            result += bytes[position..<start]
            position = end + close.count
        }
        result += bytes[position...]
        return result
    }
}
