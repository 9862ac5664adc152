import Testing
@testable import QrewCore

/// `MappingFields` answers absent keys from a mask of the key lengths present before comparing
/// strings; the mask must never hide a key that is there, whatever its length or spelling.
struct MappingFieldsTests {
    private static func node(_ text: String) -> YAMLNode {
        .scalar(YAMLNode.Scalar(string: text, style: .plain, mark: YAMLNode.Mark(line: 1, column: 1)))
    }

    @Test func findsEveryKeyItHoldsAndNoOther() {
        let keys = ["id", "type", "with", "dependsOn", "", "é", "日本語", String(repeating: "k", count: 63), String(repeating: "k", count: 64),
                    String(repeating: "x", count: 200)]
        var fields = MappingFields()
        for key in keys { fields.append(key, Self.node("value of \(key)")) }
        for key in keys {
            #expect(fields[key]?.scalar?.string == "value of \(key)", "\(key)")
        }
        // absent keys of a length present (4, 63+) and of lengths absent
        for key in ["name", "runs", String(repeating: "y", count: 63), String(repeating: "k", count: 65), "cwd", "timeout", "e"] {
            #expect(fields[key] == nil, "\(key)")
        }
        #expect(fields.keys == keys)
    }

    @Test func anEmptyMappingHasNothing() {
        let fields = MappingFields()
        #expect(fields["id"] == nil)
        #expect(fields[""] == nil)
        #expect(fields.keys.isEmpty)
    }

    /// The decoder builds a field's path only when it reports a problem: the paths it reports
    /// are still the ones a file's problems point at.
    @Test func problemsStillNameTheirFieldsAndLines() throws {
        let text = """
            name: paths
            steps:
              - id: a
                type: echo
                with: { message: hi }
              - id: b
                dependsOn: [a, 7, { x: 1 }]
                timeout: soon
                retries: { max: many }
                url: http://example.com
            """
        #expect(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "paths.yaml") }
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "paths.yaml")
        } catch {
            let located = error.problems.map { "\($0.field ?? "-")@\($0.line ?? 0):\($0.column ?? 0)" }
            #expect(located.contains("steps[1].dependsOn[2]@7:23"), "\(located)")
            #expect(located.contains("steps[1].timeout@8:14"), "\(located)")
            #expect(located.contains("steps[1].retries.max@9:21"), "\(located)")
            #expect(located.contains("steps[1].url@10:10"), "\(located)")
        }
    }
}
