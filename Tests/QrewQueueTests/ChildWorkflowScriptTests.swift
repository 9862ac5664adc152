import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `start_child`, `finish_children` and the child-run hooks of lib/finish and lib/cancel, on a
/// real redis-server: a parent whose `deploy` step runs a child workflow, and a dependent
/// reading the step's output.
@Suite("child workflow scripts")
struct ChildWorkflowScriptTests {
    static let parent = """
        name: parent
        steps:
          - id: prepare
            type: echo
          - id: deploy
            type: workflow
            with: { version: "${{ steps.prepare.output }}" }
            workflow:
              name: deploy
              params: { version: "0" }
              steps:
                - id: push
                  type: echo
                  with: { message: "push ${{ params.version }}" }
                - id: verify
                  type: echo
                  dependsOn: [push]
          - id: notify
            type: echo
            with: { message: "${{ steps.deploy.output }}" }
        """

    let intake = RunIntake(retention: .seconds(600))

    /// Stores run `p`, runs `prepare` with output "v7" and claims the `deploy` step from the
    /// child workflow queue, as the leader's loop does.
    func claimDeploy(_ q: QueueFixture) async throws -> ClaimedTask {
        let prepared = try intake.prepare(runID: "p", text: Self.parent, fileName: "parent.yaml", params: [:])
        _ = try await q.queue.submitRun(prepared.record, fence: q.fence)
        try await q.succeed(try #require(try await q.claim(1).first), output: "v7")
        try await q.applyAll()
        let step = try #require(try await q.queue.claim(
            worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue]).first)
        #expect(step.ref.taskID == "deploy" && step.outputs["prepare"] == "v7")
        return step
    }

    /// Runs every ready task of the child run `p.deploy`; `failing` fails instead.
    func runChild(_ q: QueueFixture, failing: String? = nil) async throws {
        for _ in 0..<2 {
            let task = try #require(try await q.claim(1).first)
            #expect(task.ref.runID == "p.deploy")
            if task.ref.taskID == failing { try await q.fail(task) } else { try await q.succeed(task, output: task.ref.taskID.uppercased()) }
            try await q.applyAll()
            if task.ref.taskID == failing { return }
        }
    }

    @Test func theChildRunsAsARunOfItsOwnAndItsOutputsBecomeTheStepOutput() async throws {
        try await withQueue { q throws in
            let step = try await claimDeploy(q)
            let (outcome, childRun) = try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence)
            #expect(outcome == .started && childRun == "p.deploy")
            #expect(try await q.runField("p.deploy", "parent") == "p")
            #expect(try await q.runField("p.deploy", "parentTask") == "deploy")
            #expect(try await q.runField("p.deploy", "params") == #"{"version":"v7"}"#)
            let task = TaskRef(runID: "p", taskID: "deploy")
            #expect(try await q.state("p", "deploy") == "running")
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(task)), "childRun").string == "p.deploy")
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.leases), .string(task.description)) == .null,
                    "the step holds no lease while its child runs")
            #expect(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).0 == .stale, "a replay starts nothing")

            let push = try #require(try await q.claim(1).first)
            let spec = try TaskSpec(jsonText: push.spec)
            #expect(spec.with["message"] == "push v7", "with: became the child's params")
            try await q.succeed(push, output: "PUSH")
            try await q.applyAll()
            try await runChildRest(q)
            #expect(try await q.runField("p.deploy", "state") == "succeeded")
            #expect(try await q.state("p", "deploy") == "running", "the leader ends the step")
            #expect(try await q.queue.finishChildren(fence: q.fence) == (1, 1))
            #expect(try await q.queue.finishChildren(fence: q.fence) == (0, 0))
            #expect(try await q.state("p", "deploy") == "succeeded")
            let notify = try #require(try await q.claim(1).first)
            #expect(notify.ref.taskID == "notify")
            #expect(notify.outputs["deploy"] == #"{"push":"PUSH","verify":"VERIFY"}"#)
            try await q.succeed(notify)
            try await q.applyAll()
            #expect(try await q.runField("p", "state") == "succeeded")
        }
    }

    func runChildRest(_ q: QueueFixture) async throws {
        let verify = try #require(try await q.claim(1).first)
        #expect(verify.ref.description == "p.deploy/verify")
        try await q.succeed(verify, output: "VERIFY")
        try await q.applyAll()
    }

    @Test func aFailingChildFailsTheStepAndSkipsItsDependents() async throws {
        try await withQueue { q throws in
            let step = try await claimDeploy(q)
            #expect(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).0 == .started)
            try await runChild(q, failing: "push")
            #expect(try await q.runField("p.deploy", "state") == "failed")
            #expect(try await q.queue.finishChildren(fence: q.fence) == (1, 1))
            #expect(try await q.state("p", "deploy") == "failed")
            let error = try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "p", taskID: "deploy"))), "error").string
            #expect(error == "child run p.deploy ended failed")
            #expect(try await q.state("p", "notify") == "skipped")
            #expect(try await q.runField("p", "state") == "failed")
        }
    }

    @Test func retryingTheParentRunsTheStepsChildAgainUnderAFreshID() async throws {
        try await withQueue { q throws in
            let step = try await claimDeploy(q)
            #expect(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).0 == .started)
            try await runChild(q, failing: "push")
            #expect(try await q.queue.finishChildren(fence: q.fence) == (1, 1))
            #expect(try await q.runField("p", "state") == "failed")

            _ = try await q.queue.retryRun("p", fresh: false)
            #expect(try await q.state("p", "deploy") == "ready")
            let again = try #require(try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue]).first)
            let (outcome, childRun) = try await q.queue.startChildWorkflow(again, intake: intake, fence: q.fence)
            #expect(outcome == .started && childRun == "p.deploy.2")
            #expect(try await q.runField("p.deploy.2", "parentTask") == "deploy")
            #expect(try await q.runField("p.deploy", "state") == "failed", "the first child run is left as it ended")
        }
    }

    @Test func aStepWhoseLeaderDiedBeforeStartingItsChildIsStartedOnceByTheNext() async throws {
        try await withQueue { q throws in
            let step = try await claimDeploy(q)
            // The leader dies here: its lease expires and the reaper queues the step again.
            q.clock.advance(by: .seconds(31))
            #expect(try await q.queue.reapLeases(fence: q.fence) == ["p/deploy"])
            #expect(try await q.state("p", "deploy") == "ready")
            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.promoteDelayed(fence: q.fence).promoted == 1)
            let again = try #require(try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue]).first)
            #expect(again.attempt == 2)
            let (outcome, childRun) = try await q.queue.startChildWorkflow(again, intake: intake, fence: q.fence)
            #expect(outcome == .started && childRun == "p.deploy", "no child run was started before")
            #expect(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).0 == .stale,
                    "the dead leader's late call changes nothing")
            let runs = try await q.redis.send("ZRANGE", .string(q.queue.keys.runs), "0", "-1").array?.compactMap(\.string)
            #expect(runs?.sorted() == ["p", "p.deploy"])
        }
    }

    @Test func aChildThatCannotBePreparedFailsTheStep() async throws {
        try await withQueue { q throws in
            let step = try await claimDeploy(q)
            let outcome = try await q.queue.startChild(step, childRun: "p.deploy", record: nil, error: "no such thing", fence: q.fence)
            #expect(outcome == .failed)
            #expect(try await q.state("p", "deploy") == "failed")
            #expect(try await q.runField("p.deploy", "state") == nil)
            #expect(try await q.runField("p", "state") == "failed")
        }
    }

    @Test func cancelingTheParentCancelsTheChild() async throws {
        try await withQueue { q throws in
            let step = try await claimDeploy(q)
            #expect(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).0 == .started)
            let push = try #require(try await q.claim(1).first)
            #expect(try await q.queue.cancelRun("p", reason: "stop") != nil)
            #expect(try await q.runField("p", "state") == "canceled")
            #expect(try await q.state("p", "deploy") == "canceled")
            #expect(try await q.runField("p.deploy", "state") == "canceling", "the child is canceling at once")
            _ = try await q.queue.sweepRuns(fence: q.fence)
            #expect(try await q.runField("p.deploy", "state") == "canceled")
            #expect(try await q.state("p.deploy", "push") == "canceled")
            #expect(try await q.succeed(push, output: "late") == false, "the child's running task lost its lease")
            #expect(try await q.queue.finishChildren(fence: q.fence) == (1, 0), "the canceled step stays canceled")
            #expect(try await q.state("p", "deploy") == "canceled")
        }
    }

    @Test func aStepOfACancelingRunStartsNoChild() async throws {
        try await withQueue { q throws in
            let step = try await claimDeploy(q)
            _ = try await q.queue.cancelRun("p", reason: "stop")
            #expect(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).0 == .stale)
            #expect(try await q.state("p", "deploy") == "canceled")
            #expect(try await q.runField("p.deploy", "state") == nil, "no child run was created")
            #expect(try await q.runField("p", "state") == "canceled")
            let leased = try await q.redis.send("ZSCORE", .string(q.queue.keys.leases), .string("\(TaskRef(runID: "p", taskID: "deploy"))")).string
            #expect(leased == nil, "the step's lease is gone")
        }
    }

    @Test func cancelingTheChildAloneFailsTheStep() async throws {
        try await withQueue { q throws in
            let step = try await claimDeploy(q)
            #expect(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).0 == .started)
            #expect(try await q.queue.cancelRun("p.deploy", reason: "operator") != nil)
            #expect(try await q.runField("p.deploy", "state") == "canceled")
            #expect(try await q.queue.finishChildren(fence: q.fence) == (1, 1))
            #expect(try await q.state("p", "deploy") == "failed")
            let error = try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "p", taskID: "deploy"))), "error").string
            #expect(error == "child run p.deploy ended canceled: operator")
            #expect(try await q.runField("p", "state") == "failed")
        }
    }
}

/// A schedule of a workflow whose children come from files queues those files with each run.
@Suite("child workflow files in schedules")
struct ChildWorkflowScheduleTests {
    @Test func eachScheduledSubmissionCarriesTheChildFiles() async throws {
        try await withQueue { q throws in
            let files = ["lib/deploy.yaml": "name: deploy\nsteps:\n  - id: push\n    type: echo\n"]
            let spec = ScheduleSpec(cron: "* * * * *")
            #expect(try await q.queue.addSchedule(
                name: "tick", spec: spec, fileName: "p.yaml", workflow: "name: p", params: [:], replace: false, files: files))
            _ = try await q.queue.fireDueSchedules(fence: q.fence)
            let next = try #require(try await q.queue.schedule("tick")?.next)
            q.clock.advance(by: .milliseconds(next - (try await q.queue.serverTime())) + .seconds(1))
            #expect(try await q.queue.fireDueSchedules(fence: q.fence).submitted.count == 1)
            let entry = try #require(try await q.redis.send("XRANGE", .string(q.queue.keys.submissions), "-", "+").array?.first)
            let fields = entry.array?.last?.array?.compactMap(\.string) ?? []
            let byName = Dictionary(stride(from: 0, to: fields.count - 1, by: 2).map { (fields[$0], fields[$0 + 1]) }) { a, _ in a }
            #expect(RunIntake.includedFiles(json: byName["files"] ?? "") == files)
        }
    }
}

/// `retries:` on a workflow step: a failed child run starts a fresh one after the backoff.
@Suite("child workflow retries")
struct ChildWorkflowRetryTests {
    static let parent = """
        name: parent
        steps:
          - id: deploy
            type: workflow
            retries: { max: 1, backoff: fixed, initial: 5s, jitter: false }
            workflow:
              name: deploy
              steps:
                - id: push
                  type: echo
        """

    func claimStep(_ q: QueueFixture) async throws -> ClaimedTask {
        try #require(try await q.queue.claim(
            worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue]).first)
    }

    @Test func aFailedChildRunIsFollowedByAFreshOneAndTheLastOneDecides() async throws {
        try await withQueue { q throws in
            let intake = RunIntake(retention: .seconds(600))
            let prepared = try intake.prepare(runID: "p", text: Self.parent, fileName: "parent.yaml", params: [:])
            _ = try await q.queue.submitRun(prepared.record, fence: q.fence)
            #expect(try await q.queue.startChildWorkflow(try await claimStep(q), intake: intake, fence: q.fence).childRun == "p.deploy")
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.queue.finishChildren(fence: q.fence) == (1, 1))
            #expect(try await q.state("p", "deploy") == "ready", "one retry left: back to the queue after the backoff")
            #expect(try await q.runField("p", "state") != "failed")

            #expect(try await q.queue.promoteDelayed(fence: q.fence).promoted == 0, "not before the backoff")
            q.clock.advance(by: .seconds(6))
            #expect(try await q.queue.promoteDelayed(fence: q.fence).promoted == 1)
            let (outcome, childRun) = try await q.queue.startChildWorkflow(try await claimStep(q), intake: intake, fence: q.fence)
            #expect(outcome == .started && childRun == "p.deploy.2")
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.queue.finishChildren(fence: q.fence) == (1, 1))
            #expect(try await q.state("p", "deploy") == "failed", "no retry left")
            #expect(try await q.runField("p", "state") == "failed")
        }
    }
}

/// A workflow step with a matrix: one task, and one child run, per value.
@Suite("child workflows in a matrix")
struct ChildWorkflowMatrixTests {
    static let parent = """
        name: parent
        steps:
          - id: deploy
            type: workflow
            matrix: { region: [eu, us] }
            with: { region: "${{ matrix.region }}" }
            workflow:
              name: deploy
              params: { region: none }
              steps:
                - id: push
                  type: echo
                  with: { message: "push ${{ params.region }}" }
          - id: after
            type: echo
            with: { message: "${{ steps.deploy.output }}" }
        """

    @Test func eachMatrixTaskRunsItsOwnChildWithItsValue() async throws {
        try await withQueue { q throws in
            let intake = RunIntake(retention: .seconds(600))
            let prepared = try intake.prepare(runID: "p", text: Self.parent, fileName: "parent.yaml", params: [:])
            _ = try await q.queue.submitRun(prepared.record, fence: q.fence)
            let steps = try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue])
            var started: [String] = []
            for step in steps { started.append(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).childRun) }
            #expect(started.sorted() == ["p.deploy.region-eu", "p.deploy.region-us"])
            for task in try await q.claimExactly(2) {
                let message = try #require(try TaskSpec(jsonText: task.spec).with["message"])
                #expect(message == "push " + (task.ref.runID.hasSuffix("eu") ? "eu" : "us"))
                try await q.succeed(task, output: message)
                try await q.applyAll()
            }
            #expect(try await q.queue.finishChildren(fence: q.fence) == (2, 2))
            let after = try #require(try await q.claim(1).first)
            #expect(after.ref.taskID == "after")
            #expect(Set(after.outputs.values) == [#"{"push":"push eu"}"#, #"{"push":"push us"}"#])
        }
    }

    @Test func aDynamicMatrixExpandsIntoChildWorkflowStepsAndJoinsTheirOutputs() async throws {
        try await withQueue { q throws in
            let text = """
                name: parent
                steps:
                  - id: list
                    type: echo
                  - id: deploy
                    type: workflow
                    matrix: { region: "${{ fromJSON(steps.list.output) }}" }
                    with: { region: "${{ matrix.region }}" }
                    workflow:
                      name: deploy
                      params: { region: none }
                      steps:
                        - id: push
                          type: echo
                          with: { message: "push ${{ params.region }}" }
                """
            let intake = RunIntake(retention: .seconds(600))
            let prepared = try intake.prepare(runID: "p", text: text, fileName: "parent.yaml", params: [:])
            _ = try await q.queue.submitRun(prepared.record, fence: q.fence)
            try await q.succeed(try #require(try await q.claim(1).first), output: #"["eu","us"]"#)
            try await q.applyAll()
            let placeholder = try #require(try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.fanOutQueue]).first)
            #expect(try await q.queue.expandFanOut(placeholder, limit: 10, fence: q.fence).0 == .expanded)
            let steps = try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue])
            var started: [String] = []
            for step in steps { started.append(try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence).childRun) }
            #expect(started.sorted() == ["p.deploy.0", "p.deploy.1"])
            for task in try await q.claimExactly(2) {
                try await q.succeed(task, output: try #require(try TaskSpec(jsonText: task.spec).with["message"]))
                try await q.applyAll()
            }
            #expect(try await q.queue.finishChildren(fence: q.fence) == (2, 2))
            #expect(try await q.state("p", "deploy") == "succeeded")
            let output = try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "p", taskID: "deploy"))), "output").string
            #expect(output == #"["{\"push\":\"push eu\"}","{\"push\":\"push us\"}"]"#)
            #expect(try await q.runField("p", "state") == "succeeded")
        }
    }

    @Test(arguments: [
        ("deploy", 0, "r.deploy"), ("deploy", 2, "r.deploy.3"), ("deploy[region=eu]", 0, "r.deploy.region-eu"),
        ("build[os=linux,arch=x64]", 0, "r.build.os-linux.arch-x64"), ("fan[3]", 0, "r.fan.3"),
    ])
    func childRunIDsSpellTaskIDsAsRunIDsAllow(task: String, started: Int, expected: String) {
        #expect(QueueClient.childRunID(of: TaskRef(runID: "r", taskID: task), started: started) == expected)
    }

    @Test func aTaskIDWithOtherCharactersGetsAHashSoIDsStayApart() {
        let a = QueueClient.childRunID(of: TaskRef(runID: "r", taskID: "x[v=a b]"), started: 0)
        let b = QueueClient.childRunID(of: TaskRef(runID: "r", taskID: "x[v=a/b]"), started: 0)
        #expect(a.hasPrefix("r.x.v-a_b.") && b.hasPrefix("r.x.v-a_b.") && a != b)
        #expect(RunIntake.isValidRunID(a) && RunIntake.isValidRunID(b))
    }
}
