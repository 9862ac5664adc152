import Foundation
@testable import QrewCore
import Testing
import Yams

/// `YAMLComposer` against Yams' `compose` (the composer it replaced, still in the package as
/// the source of libyaml): the same tree (values, quoting, positions) or the same problem, on
/// every fixture, every example and random documents; and `YAMLEmitter` round trips.
struct YAMLComposerTests {
    /// A comparable rendering of a tree: structure, scalar text and style, and every position.
    private static func render(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let scalar):
            "s\(scalar.mark.line):\(scalar.mark.column):\(scalar.style):\(scalar.string.debugDescription)"
        case .sequence(let items):
            "q\(items.mark.line):\(items.mark.column)[" + items.map(render).joined(separator: ",") + "]"
        case .mapping(let mapping):
            "m\(mapping.mark.line):\(mapping.mark.column){" + mapping.map { render($0.key) + "=" + render($0.value) }.joined(separator: ",") + "}"
        }
    }

    private static func render(_ node: Node) -> String {
        let mark = node.mark.map { "\($0.line):\($0.column)" } ?? "?"
        switch node {
        case .scalar(let scalar):
            let style: YAMLNode.Scalar.Style = switch scalar.style {
            case .singleQuoted: .singleQuoted
            case .doubleQuoted: .doubleQuoted
            case .literal: .literal
            case .folded: .folded
            default: .plain
            }
            return "s\(mark):\(style):\(scalar.string.debugDescription)"
        case .sequence(let items):
            return "q\(mark)[" + items.map(render).joined(separator: ",") + "]"
        case .mapping(let mapping):
            return "m\(mark){" + mapping.map { render($0.key) + "=" + render($0.value) }.joined(separator: ",") + "}"
        case .alias:
            return "alias"
        }
    }

    /// The composer's tree or problem, rendered.
    private static func composed(_ text: String) -> String {
        do {
            return try YAMLComposer.compose(text).map(render) ?? "empty"
        } catch {
            return "error \(error.kind) at \(error.mark.map { "\($0.line):\($0.column)" } ?? "?"): \(error.message)"
        }
    }

    /// Yams' tree or problem, rendered the same way (through the loader's old message rules).
    private static func composedByYams(_ text: String) -> String {
        do {
            return try Yams.compose(yaml: text, .basic, .default, .utf8).map(render) ?? "empty"
        } catch let error as YamlError {
            switch error {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                 .composer(let context, let problem, let mark, _):
                let message = [context?.text, problem].compactMap { $0 }.joined(separator: ", ")
                return "error syntax at \(mark.line):\(mark.column): \(message)"
            case .duplicatedKeysInMapping(let duplicates, let context):
                return "error duplicateKey at \(context.mark.line):\(context.mark.column): "
                    + "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping"
            case .reader(let problem, _, _, _):
                return "error unreadable at ?: \(problem)"
            default:
                return "error \(error)"
            }
        } catch {
            return "error \(error)"
        }
    }

    /// Every workflow file the repository ships: test fixtures and examples.
    private static var workflowFiles: [URL] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let folders = [
            root.appendingPathComponent("Fixtures/valid"), root.appendingPathComponent("Fixtures/invalid"),
            root.appendingPathComponent("../../examples"), root.appendingPathComponent("../../examples/lib"),
        ]
        return folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
                .filter { ["yaml", "yml", "json"].contains($0.pathExtension) }
        }
    }

    @Test func shippedWorkflowsComposeAsYamsComposedThem() throws {
        let files = Self.workflowFiles
        #expect(files.count > 20)
        for file in files {
            let text = JSONText.normalizingTabs(in: try String(contentsOf: file, encoding: .utf8))
            #expect(Self.composed(text) == Self.composedByYams(text), "\(file.lastPathComponent)")
        }
    }

    @Test(arguments: [
        "", "# only a comment\n", "---\n", "a: 1\n---\nb: 2\n", "a: *nowhere\n", "a: 1\na: 2\nb: 3\nb: 4\n",
        "x: 1\n'x': 2\n", "a:\n\tb: 1\n", "a: [1, 2\n", "a: \"unterminated\n", "a: b: c\n", "- a\nb: 1\n",
        "a: &x {b: 1}\nc: *x\nd: *x\n", "a: |\n  line one\n  line two\n", "a: >-\n  folded\n  text\n",
        "a: 'it''s'\nb: \"tab\\there\"\n", "{a: 1, b: [x, 'y', \"z\"]}", "[1, {a: ~}, null, true]", "? complex\n: key\n",
        "a: !!str 12\nb: !custom x\n", "a: 1 # trailing\n# comment\nb: 2\n", "key with spaces: value with: colon\n",
        "a:\n  - b\n  -\n  - c: d\n    e: f\n", "\u{7}bell: 1\n", "é: ü\n", "a: &a [1]\nb: &a [2]\nc: *a\n",
    ])
    func smallDocumentsComposeAsYamsComposedThem(_ text: String) {
        #expect(Self.composed(text) == Self.composedByYams(text))
    }

    @Test func randomDocumentsComposeAsYamsComposedThem() {
        var random = SplitMix64(seed: 17)
        for _ in 0..<300 {
            var anchors: [String] = []
            let text = Self.randomBlockMapping(depth: 0, indent: "", random: &random, anchors: &anchors)
            #expect(Self.composed(text) == Self.composedByYams(text), "\(text)")
        }
    }

    @Test func emittedTextComposesToTheSameValues() throws {
        var random = SplitMix64(seed: 5)
        var texts = try Self.workflowFiles.map { JSONText.normalizingTabs(in: try String(contentsOf: $0, encoding: .utf8)) }
        for _ in 0..<200 {
            var anchors: [String] = []
            texts.append(Self.randomBlockMapping(depth: 0, indent: "", random: &random, anchors: &anchors))
        }
        for text in texts {
            guard let node = try? YAMLComposer.compose(text) else { continue }
            let emitted = try #require(YAMLEmitter.text(of: node))
            let again = try #require(try YAMLComposer.compose(emitted))
            #expect(Self.values(again) == Self.values(node), "\(emitted)")
        }
    }

    @Test func theReferenceAnchorExampleLoads() throws {
        let workflow = try WorkflowLoader.load(text: try Fixture.text("valid/anchors.yaml"), fileName: "anchors.yaml")
        #expect(workflow.steps.map(\.id) == ["build-linux", "build-mac", "notes"])
        #expect(workflow.steps[0].run == ["make", "--jobs", "4"])
        #expect(workflow.steps[1].run == workflow.steps[0].run)
    }

    @Test func problemsKeepTheirPositionAndWording() {
        func only(_ text: String) -> WorkflowProblem? {
            do {
                _ = try WorkflowLoader.load(text: text, fileName: "f.yaml")
                return nil
            } catch {
                return error.problems.count == 1 ? error.problems[0] : nil
            }
        }
        let alias = only("name: x\nsteps:\n  - id: a\n    run: *nowhere\n")
        #expect(alias?.code == .syntax)
        #expect(alias?.message == "invalid YAML: found undefined alias")
        #expect(alias?.line == 4 && alias?.column == 10)
        let duplicate = only("name: x\nsteps:\n  - id: a\n    run: [a]\n    id: b\n")
        #expect(duplicate?.code == .duplicateKey)
        #expect(duplicate?.message == "duplicate key 'id' in one mapping")
        #expect(duplicate?.line == 3 && duplicate?.column == 5)
        let second = only("name: x\nsteps: []\n---\nname: y\n")
        #expect(second?.message == "invalid YAML: expected a single document in the stream, but found another document")
        #expect(second?.line == 3)
        let unclosed = only("name: x\nsteps: [\n")
        #expect(unclosed?.code == .syntax)
        #expect(unclosed?.line == 3)
    }

    @Test func validationProblemsFindTheirLineThroughKeysWithDots() throws {
        let text = """
            name: dotted
            steps:
              - id: a
                type: echo
                with:
                  plain: ok
                  "a.b": "${{ steps.nowhere.output }}"
            """
        let problems = try #require(throws: WorkflowValidationError.self) {
            try WorkflowLoader.load(text: text, fileName: "dotted.yaml")
        }.problems
        let problem = try #require(problems.first { $0.field == "steps[0].with.a.b" })
        #expect(problem.line == 7 && problem.column == 14)
    }

    @Test func aliasesShareTheirNodeSoALaughsBombComposesAtOnce() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...12 {
            let previous = "*a\(level - 1)"
            text += "a\(level): &a\(level) [\(Array(repeating: previous, count: 10).joined(separator: ", "))]\n"
        }
        let started = ContinuousClock.now
        let root = try #require(try YAMLComposer.compose(text))
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(root.mapping?.count == 13)
        #expect(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "laughs.yaml") }
    }

    @Test func aWorkflowLoadsTheSameFromItsEmittedText() throws {
        for file in Self.workflowFiles where file.path.contains("/valid/") || file.path.contains("examples/") {
            let text = try String(contentsOf: file, encoding: .utf8)
            guard text.contains("steps"), !text.contains("file:"),
                  let workflow = try? WorkflowLoader.load(text: text, fileName: file.lastPathComponent),
                  let node = try YAMLComposer.compose(JSONText.normalizingTabs(in: text)),
                  let emitted = YAMLEmitter.text(of: node)
            else { continue }
            #expect(try WorkflowLoader.load(text: emitted, fileName: file.lastPathComponent) == workflow, "\(file.lastPathComponent)")
        }
    }

    /// Values, quoting-insensitive except that a plain scalar's typing survives (plain or not).
    private static func values(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let scalar):
            let typed = scalar.style == .plain && (WorkflowDecoder.isNull(scalar) || Int(scalar.string) != nil
                || WorkflowDecoder.plainBool(scalar.string) != nil)
            return (typed ? "t" : "s") + scalar.string.debugDescription
        case .sequence(let items): return "[" + items.map(values).joined(separator: ",") + "]"
        case .mapping(let mapping): return "{" + mapping.map { values($0.key) + "=" + values($0.value) }.joined(separator: ",") + "}"
        }
    }

    // MARK: random documents

    private static let words = ["a", "id", "run", "x y", "true", "12", "-3", "1.5", "~", "null", "", "é", "a: b", "#c", "'q'", "\"d\"", "tab\t", "${{ matrix.x }}"]

    private static func randomScalar(_ random: inout SplitMix64) -> String {
        let word = words[Int(random.next() % UInt64(words.count))]
        switch random.next() % 4 {
        case 0: return "'" + word.replacingOccurrences(of: "'", with: "''") + "'"
        case 1: return "\"" + word.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        default: return word  // may well be invalid plain YAML: then both must report the same problem
        }
    }

    private static func randomFlow(depth: Int, _ random: inout SplitMix64, anchors: inout [String]) -> String {
        if depth > 2 || random.next() % 3 == 0 {
            if !anchors.isEmpty, random.next() % 6 == 0 { return "*" + anchors[Int(random.next() % UInt64(anchors.count))] }
            return randomScalar(&random)
        }
        let count = Int(random.next() % 4)
        if random.next() % 2 == 0 {
            return "[" + (0..<count).map { _ in randomFlow(depth: depth + 1, &random, anchors: &anchors) }.joined(separator: ", ") + "]"
        }
        return "{" + (0..<count).map { _ in "k\(random.next() % 5): " + randomFlow(depth: depth + 1, &random, anchors: &anchors) }
            .joined(separator: ", ") + "}"
    }

    private static func randomBlockMapping(depth: Int, indent: String, random: inout SplitMix64, anchors: inout [String]) -> String {
        var text = ""
        for index in 0..<Int(1 + random.next() % 4) {
            let key = random.next() % 8 == 0 ? "k0" : "k\(depth)_\(index)"
            var anchor = ""
            if random.next() % 5 == 0 {
                let name = "n\(anchors.count)"
                anchor = " &\(name)"
                anchors.append(name)
            }
            switch random.next() % 5 {
            case 0 where depth < 3:
                text += "\(indent)\(key):\(anchor)\n" + randomBlockMapping(depth: depth + 1, indent: indent + "  ", random: &random, anchors: &anchors)
            case 1 where depth < 3:
                text += "\(indent)\(key):\(anchor)\n"
                for _ in 0..<Int(1 + random.next() % 3) {
                    text += "\(indent)  - " + randomFlow(depth: depth + 1, &random, anchors: &anchors) + "\n"
                }
            case 2:
                text += "\(indent)\(key):\(anchor) |\n\(indent)  line \(random.next() % 9)\n\(indent)  \(randomScalar(&random))\n"
            default:
                text += "\(indent)\(key):\(anchor) " + randomFlow(depth: depth + 1, &random, anchors: &anchors)
                    + (random.next() % 4 == 0 ? "  # note" : "") + "\n"
            }
        }
        return text
    }
}
