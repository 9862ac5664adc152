import Testing
@testable import QrewCore

/// `type: approval`: decoded with `approvers` and `timeout`, planned to wait on the awaiting
/// queue without retries or the defaults' timeout, and keys that cannot apply are located problems.
struct ApprovalDecodingTests {
    static let workflow = """
        name: release
        defaults:
          timeout: 10m
          retries: { max: 3 }
          queueTimeout: 1m
        steps:
          - id: build
            type: echo
          - id: gate
            type: approval
            dependsOn: [build]
            approvers: [alice, bob]
            timeout: 2h
          - id: note
            type: approval
            dependsOn: [build]
            approvers: carol
        """

    @Test func anApprovalStepWaitsOnTheAwaitingQueueWithItsOwnTimeoutOnly() throws {
        let workflow = try WorkflowLoader.load(text: Self.workflow, fileName: "w.yaml")
        #expect(workflow.steps[1].type == .approval)
        #expect(workflow.steps[1].approvers == ["alice", "bob"])
        #expect(workflow.steps[2].approvers == ["carol"])
        let graph = try TaskGraph(workflow: workflow)
        let gate = try #require(graph["gate"]?.settings)
        #expect(gate.queue == TaskSettings.awaitingQueue)
        #expect(gate.timeout == .seconds(7200))
        #expect(gate.retry.maxAttempts == 1 && gate.queueTimeout == nil)
        let note = try #require(graph["note"]?.settings)
        #expect(note.timeout == nil, "the defaults' timeout is for work, not for a decision")
        #expect(graph["build"]?.settings.queue == "default")
    }

    @Test(arguments: [
        ("    type: echo\n    approvers: [alice]\n", "'approvers' does not apply to a step of type 'echo'"),
        ("    type: approval\n    retries: { max: 2 }\n", "'retries' does not apply to a step of type 'approval'"),
        ("    type: approval\n    queue: gpu\n", "'queue' does not apply to a step of type 'approval'"),
        ("    type: approval\n    approvers: { name: x }\n", "approvers"),
        ("    type: echo\n    queue: \"@awaiting\"\n", "queue name '@awaiting' is reserved"),
        ("    type: approval\n    timeout: soon\n", "'timeout'"),
    ])
    func aKeyThatCannotApplyIsALocatedProblem(body: String, message: String) throws {
        let text = "name: w\nsteps:\n  - id: a\n" + body
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        let problem = try #require(error.problems.first)
        #expect(problem.message.contains(message), "\(problem.message)")
        #expect(problem.line == 5 && problem.column != nil && problem.stepID == "a" && problem.hint != nil, "\(problem)")
    }

    @Test func anApprovalStepTakesNoRunOrWith() throws {
        let text = "name: w\nsteps:\n  - id: a\n    type: approval\n    run: [\"x\"]\n"
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        #expect(error.problems.contains { $0.message.contains("'run' does not apply to a step of type 'approval'") })
    }

    @Test func aWaitStepWaitsForAnEventOrADuration() throws {
        let text = """
            name: w
            steps:
              - { id: deployed, type: wait, event: deploy-done, timeout: 1h }
              - { id: cool-down, type: wait, duration: 10m }
            """
        let graph = try TaskGraph(workflow: try WorkflowLoader.load(text: text, fileName: "w.yaml"))
        let event = try #require(graph["deployed"]?.settings)
        #expect(event.waitEvent == "deploy-done" && event.timeout == .seconds(3600) && event.queue == TaskSettings.awaitingQueue)
        let sleep = try #require(graph["cool-down"]?.settings)
        #expect(sleep.waitDuration == .seconds(600) && sleep.waitEvent == nil && sleep.timeout == nil)
    }

    @Test(arguments: [
        ("    type: wait\n", "wait step has no 'event' or 'duration'"),
        ("    type: wait\n    event: a\n    duration: 1m\n", "both 'event' and 'duration'"),
        ("    type: wait\n    duration: 1m\n    timeout: 2m\n", "'timeout' does not apply to a wait step with 'duration'"),
        ("    type: wait\n    event: \"no spaces\"\n", "invalid event name 'no spaces'"),
        ("    type: echo\n    event: go\n", "'event' does not apply to a step of type 'echo'"),
        ("    type: wait\n    duration: soon\n", "'duration'"),
    ])
    func aBadWaitStepIsALocatedProblem(body: String, message: String) throws {
        let text = "name: w\nsteps:\n  - id: a\n" + body
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        let problem = try #require(error.problems.first { $0.message.contains(message) }, "\(error.problems)")
        #expect(problem.line != nil && problem.stepID == "a" && problem.hint != nil, "\(problem)")
    }
}
