import Testing
@testable import QrewCore

/// `queueTimeout` on a step and in `defaults`: decoded, validated with a location, resolved per
/// task (the step's over the defaults').
struct QueueTimeoutDecodingTests {
    static let workflow = """
        name: w
        defaults:
          queueTimeout: 10m
        steps:
          - id: quick
            type: echo
            queueTimeout: 30s
          - id: inherits
            type: echo
        """

    @Test func aStepsQueueTimeoutOverridesTheDefault() throws {
        let workflow = try WorkflowLoader.load(text: Self.workflow, fileName: "w.yaml")
        #expect(workflow.defaults.queueTimeout == .seconds(600))
        #expect(workflow.steps[0].queueTimeout == .seconds(30))
        let graph = try TaskGraph(workflow: workflow)
        #expect(graph["quick"]?.settings.queueTimeout == .seconds(30))
        #expect(graph["inherits"]?.settings.queueTimeout == .seconds(600))
        let none = try TaskGraph(workflow: try WorkflowLoader.load(text: "name: w\nsteps:\n  - id: a\n    type: echo\n", fileName: "w.yaml"))
        #expect(none["a"]?.settings.queueTimeout == nil)
    }

    @Test(arguments: [
        ("soon", "'queueTimeout'"), ("0s", "'queueTimeout' must be greater than zero"), ("400d", "'queueTimeout' is longer than"),
    ])
    func aBadQueueTimeoutIsALocatedProblem(value: String, message: String) throws {
        let text = "name: w\nsteps:\n  - id: a\n    type: echo\n    queueTimeout: \(value)\n"
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        let problem = try #require(error.problems.first)
        #expect(problem.message.contains(message), "\(problem.message)")
        #expect(problem.line == 5 && problem.stepID == "a" && problem.hint != nil, "\(problem)")
    }

    @Test func aTypoIsAnUnknownKeyWithASuggestion() throws {
        let text = "name: w\nsteps:\n  - id: a\n    type: echo\n    queueTimout: 5s\n"
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        #expect(error.problems.first?.hint == "did you mean 'queueTimeout'?")
    }
}
