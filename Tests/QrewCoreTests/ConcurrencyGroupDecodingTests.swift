import Testing
@testable import QrewCore

/// `concurrencyGroup` and `cancelInProgress` at the top level: decoded, and refused with a
/// location when malformed or when cancelInProgress has no group.
struct ConcurrencyGroupDecodingTests {
    @Test func aGroupWithCancelInProgressIsDecoded() throws {
        let text = "name: w\nconcurrencyGroup: deploy-prod\ncancelInProgress: true\nsteps:\n  - id: a\n    type: echo\n"
        let workflow = try WorkflowLoader.load(text: text, fileName: "w.yaml")
        #expect(workflow.concurrencyGroup == "deploy-prod" && workflow.cancelInProgress)
        let plain = try WorkflowLoader.load(text: "name: w\nsteps:\n  - id: a\n    type: echo\n", fileName: "w.yaml")
        #expect(plain.concurrencyGroup == nil && !plain.cancelInProgress)
    }

    @Test(arguments: [
        ("concurrencyGroup: \"\"\n", "plain name", 2),
        ("concurrencyGroup: \"${{ params.env }}\"\n", "templates are not rendered", 2),
        ("cancelInProgress: true\n", "needs a 'concurrencyGroup'", 2),
        ("concurrencyGroup: g\ncancelInProgress: maybe\n", "true or false", 3),
    ])
    func aBadGroupIsALocatedProblem(yaml: String, message: String, line: Int) throws {
        let text = "name: w\n\(yaml)steps:\n  - id: a\n    type: echo\n"
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        let problem = try #require(error.problems.first)
        #expect(problem.message.contains(message), "\(problem.message)")
        #expect(problem.line == line, "\(problem)")
    }
}
