import Dispatch
@testable import QrewCore
import Testing

/// Loading a big workflow in pieces (`StepListPieces`, `YAMLComposer.composeInPieces`,
/// `WorkflowDecoder`'s step runs) gives exactly what loading it whole gives: the same tree with
/// the same positions, the same workflow, the same problems, on random step lists written every
/// way YAML allows, including the ways a line-based cut could misread.
struct PiecewiseLoadTests {
    /// Wide, but runs the pieces one by one, last first: results must not depend on the order.
    private static let backwards = PieceRunner(width: 3) { count, piece in
        for index in (0..<count).reversed() { piece(index) }
    }

    /// Really on several threads at once.
    private static let concurrent = PieceRunner(width: 4) { count, piece in
        DispatchQueue.concurrentPerform(iterations: count, execute: piece)
    }

    /// A comparable rendering of a tree: structure, scalar text and style, every position.
    private static func render(_ node: YAMLNode?) -> String {
        switch node {
        case nil:
            "empty"
        case .scalar(let scalar)?:
            "s\(scalar.mark.line):\(scalar.mark.column):\(scalar.style):\(scalar.string.debugDescription)"
        case .sequence(let items)?:
            "q\(items.mark.line):\(items.mark.column)[" + items.map { render($0) }.joined(separator: ",") + "]"
        case .mapping(let mapping)?:
            "m\(mapping.mark.line):\(mapping.mark.column){" + mapping.map { render($0.key) + "=" + render($0.value) }.joined(separator: ",") + "}"
        }
    }

    private static func whole(_ text: String) -> String {
        do {
            return render(try YAMLComposer.compose(text))
        } catch {
            return "error \(error.kind) at \(error.mark.map { "\($0.line):\($0.column)" } ?? "?"): \(error.message)"
        }
    }

    /// One list item at `indent`, written one of many ways; a few of them on purpose put a line
    /// that looks like an item inside a value, or are not valid YAML at all.
    private static func item(_ index: Int, indent: String, random: inout SplitMix64) -> String {
        let inner = indent + "  "
        switch random.next() % 100 {
        case 0..<12:
            return "\(indent)- { id: s\(index), type: echo, with: { message: x\(index) } }\n"
        case 12..<24:
            return "\(indent)- id: s\(index)\n\(inner)run: [make, \"-j\", '4']\n\(inner)env: { A: \"1\" }\n"
        case 24..<34:
            return "\(indent)- id: s\(index)\n\(inner)run: |\n\(inner)  echo one\n\(inner)  - not an item\n\(inner)\n\(inner)  - still the script\n"
        case 34..<40:
            // A block scalar that a line at the items' indentation ends: a new item for YAML too.
            return "\(indent)- id: s\(index)\n\(inner)run: |\n\(inner)  echo\n\(indent)- id: t\(index)\n"
        case 40..<43:
            // A quoted scalar running over a line that looks like an item.
            return "\(indent)- id: s\(index)\n\(inner)name: \"first\n\(indent)- second\"\n"
        case 43..<52:
            return "\(indent)- id: s\(index)\n\(inner)name: a plain scalar\n\(inner)  running on\n"
        case 52..<60:
            return "# a comment at the margin\n\n\(indent)- id: s\(index)  # trailing\n\(inner)# inside\n"
        case 60..<66:
            return "\(indent)- &a\(index) { id: s\(index), type: echo }\n\(indent)- *a\(index)\n"
        case 66..<68:
            // An alias of an anchor an earlier item may hold (or none): a cut may separate them.
            return "\(indent)- { id: u\(index), env: *e\(random.next() % 4) }\n"
        case 68..<74:
            return "\(indent)- id: s\(index)\n\(inner)env: &e\(random.next() % 4) { K: v }\n"
        case 74..<82:
            return "\(indent)-\n\(inner)id: s\(index)\n\(inner)dependsOn:\n\(inner)- a\n\(inner)- b\n"
        case 82..<88:
            return "\(indent)- [nested, list]\n\(indent)-\n\(indent)- ''\n"
        case 88..<93:
            // A flow mapping running over lines.
            return "\(indent)- { id: s\(index),\n\(indent)  type: echo }\n"
        case 93:
            return "\(indent)- { id: s\(index), broken: [1, 2 }\n"
        case 94:
            return "\(indent)- id: s\(index)\n\(inner)id: duplicate\n"
        default:
            return "\(indent)- id: s\(index)\n\(inner)with:\n\(inner)  - one\n\(inner)  - { two: 2 }\n"
        }
    }

    /// A document with a `steps:` list among other top-level keys, written one of many ways.
    private static func document(_ random: inout SplitMix64) -> String {
        let indent = ["", "  ", "    "][Int(random.next() % 3)]
        var text = random.next() % 4 == 0 ? "# header\n\n" : ""
        text += "name: random\n"
        if random.next() % 3 == 0 { text += "defaults: &d { queue: q }\n" }
        text += ["steps:\n", "steps:   # the list\n", "steps:\n\n# before the first\n"][Int(random.next() % 3)]
        for index in 0..<Int(4 + random.next() % 40) {
            text += item(index, indent: indent, random: &random)
        }
        switch random.next() % 5 {
        case 0: text += "failFast: true\n"
        case 1: text += "params:\n  a: 1\n"
        case 2: text += "after: *d\n"
        default: break
        }
        if random.next() % 6 == 0 { text = text.replacingOccurrences(of: "\n", with: "\r\n") }
        return text
    }

    @Test func aDocumentComposedInPiecesIsTheDocumentComposedWhole() {
        var random = SplitMix64(seed: 42)
        var cut = 0
        for _ in 0..<1500 {
            let text = Self.document(&random)
            for runner in [Self.backwards, Self.concurrent] {
                guard let pieces = YAMLComposer.composeInPieces(text, runner: runner) else { continue }
                cut += 1
                #expect(Self.render(pieces) == Self.whole(text), "\(text)")
            }
        }
        // Most documents are cut; the others (a piece that does not parse alone) go whole.
        #expect(cut > 500)
    }

    @Test(arguments: [
        // document markers, directives, tabs and line breaks the cut does not read
        "---\nname: x\nsteps:\n  - a\n  - b\n  - c\n  - d\n",
        "%YAML 1.1\n---\nname: x\nsteps:\n  - a\n  - b\n  - c\n  - d\n",
        "name: x\nsteps:\n  - a\n\t- b\n  - c\n  - d\n",
        "name: x\rsteps:\n  - a\n  - b\n  - c\n  - d\n",
        "name: x\nsteps:\n  - a\n  - b\u{2028}\n  - c\n  - d\n",
        // a key with a value on its line, quoted or anchored
        "name: x\nsteps: &s\n  - a\n  - b\n  - c\n  - d\n",
        "name: x\nsteps: [a, b, c, d]\n",
        "name: x\n\"steps\":\n  - a\n  - b\n  - c\n  - d\n",
        // something less indented inside the list, or at the items' indentation that is no item
        "name: x\nsteps:\n    - a\n    - b\n  - c\n    - d\n",
        "name: x\nsteps:\n  - a\n  - b\n  c: 1\n  - d\n",
        // too short to cut
        "name: x\nsteps:\n  - a\n  - b\n  - c\n",
    ])
    func layoutsTheCutDoesNotReadAreComposedWhole(_ text: String) {
        #expect(StepListPieces(text, count: 2) == nil)
    }

    @Test func theCutKeepsEveryLineWhereItWas() throws {
        let text = "name: x\nsteps:\n  - a\n  - b\n\n  - c\n  - d\nafter: 1\n"
        let cut = try #require(StepListPieces(text, count: 2))
        #expect(cut.keyLine == 2)
        #expect(cut.head == "name: x\nsteps:\n\n\n\n\n\nafter: 1\n")
        #expect(cut.pieces == ["\n\n  - a\n  - b\n\n", "\n\n\n\n\n  - c\n  - d\n"])
    }

    /// A workflow of `steps` steps (past the sizes at which loading is cut), some of them with
    /// problems when `broken`.
    private static func workflow(steps: Int, broken: Bool, random: inout SplitMix64) -> String {
        var text = "name: big\nsteps:\n"
        for index in 0..<steps {
            let dependencies = index == 0 ? "" : ", dependsOn: [s\(random.next() % UInt64(index))]"
            if broken, random.next() % 97 == 0 {
                text += ["  - { id: s\(index), type: echo, colour: red\(dependencies) }\n",
                         "  - { id: s\(index), type: echo, timeout: soon\(dependencies) }\n",
                         "  - { id: s\(index), type: echo, dependsOn: [nowhere] }\n",
                         "  - plain text\n"][Int(random.next() % 4)]
            } else {
                text += "  - { id: s\(index), type: echo, with: { message: \"m\(index)\" }\(dependencies) }\n"
            }
        }
        return text + "failFast: true\n"
    }

    @Test func aBigWorkflowLoadsTheSameInPiecesWithItsProblemsInOrder() throws {
        var random = SplitMix64(seed: 7)
        for broken in [false, true] {
            let text = Self.workflow(steps: 2500, broken: broken, random: &random)
            #expect(text.utf8.count >= YAMLComposer.minimumCutBytes)
            #expect(YAMLComposer.composeInPieces(text, runner: Self.concurrent) != nil)
            let whole = Result { () throws(WorkflowValidationError) in try WorkflowLoader.loadValidated(text: text) }
            for runner in [Self.backwards, Self.concurrent] {
                let pieces = Result { () throws(WorkflowValidationError) in try WorkflowLoader.loadValidated(text: text, runner: runner) }
                switch (whole, pieces) {
                case (.success(let expected), .success(let loaded)):
                    #expect(!broken)
                    #expect(loaded.workflow == expected.workflow)
                case (.failure(let expected), .failure(let found)):
                    #expect(broken)
                    #expect(found.problems == expected.problems)
                    #expect(found.problems.count > 10)
                default:
                    Issue.record("loaded in pieces: \(pieces), whole: \(whole)")
                }
            }
        }
    }

    @Test func aBigGraphIsPlannedTheSameInPieces() throws {
        var text = "name: plan\nparams: { greeting: hi }\nsteps:\n"
        for index in 0..<1200 {
            let dependencies = index == 0 ? "" : ", dependsOn: [s\(index / 2)]"
            if index % 50 == 7 {
                text += "  - { id: s\(index), type: echo, matrix: { n: [1, 2, 3, 4, 5] }, "
                    + "with: { message: \"${{ params.greeting }} ${{ matrix.n }}\" }\(dependencies) }\n"
            } else {
                text += "  - { id: s\(index), run: [echo, \"${{ params.greeting }}\", s\(index)]\(dependencies) }\n"
            }
        }
        let validated = try WorkflowLoader.loadValidated(text: text)
        let whole = try TaskGraph(validated: validated)
        #expect(whole.tasks.count >= TaskGraph.minimumTasksToCut)
        for runner in [Self.backwards, Self.concurrent] {
            let pieces = try TaskGraph(validated: validated, runner: runner)
            #expect(pieces.tasks == whole.tasks)
            let overridden = try TaskGraph(workflow: validated.workflow.applyingParameters(["greeting": "hello"], fileName: "f"), runner: runner)
            #expect(overridden.tasks == (try TaskGraph(workflow: validated.workflow.applyingParameters(["greeting": "hello"], fileName: "f"))).tasks)
        }
    }
}
