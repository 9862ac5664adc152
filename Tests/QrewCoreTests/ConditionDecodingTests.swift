import Testing
@testable import QrewCore

/// `if:` in a workflow file: decoded, checked with file:line:col, and its steps made dependencies.
struct ConditionDecodingTests {
    private func problems(_ text: String) -> [WorkflowProblem] {
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "if.yaml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test func conditionsAreDecodedAndTheirStepsBecomeDependencies() throws {
        let workflow = try WorkflowLoader.load(text: """
        name: conditions
        params: { mode: full }
        steps:
          - id: a
            type: echo
          - id: b
            type: fail
          - id: notify
            dependsOn: [b]
            type: echo
            if: failure() && steps.a.output == 'x' && params.mode == 'full'
        """, fileName: "if.yaml")
        let graph = try TaskGraph(workflow: try workflow.applyingParameters(["mode": "quick"]))
        let notify = try #require(graph["notify"])
        #expect(Set(notify.dependsOn) == ["a", "b"])
        #expect(notify.settings.condition?.expression.description == "failure() && steps.a.output == 'x' && 'quick' == 'full'")
        #expect(notify.settings.condition?.text == "failure() && steps.a.output == 'x' && params.mode == 'full'")
        #expect(graph["a"]?.settings.condition == nil)
    }

    @Test func aSyntaxErrorIsReportedAtItsLineAndColumn() {
        let found = problems("""
        name: conditions
        steps:
          - id: a
            type: echo
          - id: b
            type: echo
            if: steps.a.output = 'x'
          - id: c
            type: echo
            if: "always() &&"
        """)
        #expect(found.count == 2)
        #expect(found.first?.code == .badCondition)
        #expect(found.first?.line == 7)
        #expect(found.first?.column == 24)
        #expect(found.first?.stepID == "b")
        #expect(found.first?.message.contains("unexpected character '='") == true)
        #expect(found.first?.description.contains("if.yaml:7:24") == true)
        #expect(found.last?.line == 10)
        #expect(found.last?.column == 21)
    }

    @Test(arguments: [
        ("if: steps.nope.state == 'failed'", "unknown step 'nope'"),
        ("if: steps.b.output", "refers to the step itself"),
        ("if: params.missing", "undeclared parameter 'missing'"),
        ("if: matrix.os", "no matrix key 'os'"),
        ("if: [failure()]", "'if' must be a string"),
    ])
    func referencesAreChecked(line: String, message: String) {
        let found = problems("""
        name: conditions
        steps:
          - id: a
            type: echo
          - id: b
            type: echo
            \(line)
        """)
        #expect(found.count == 1)
        #expect(found.first?.message.contains(message) == true, "\(found)")
        #expect(found.first?.line == 7)
    }
}
