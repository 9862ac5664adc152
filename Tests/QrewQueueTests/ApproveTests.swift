import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `approve`: an approval task waits on the awaiting queue (no worker claims it) until it is
/// approved (succeeded, dependents released) or rejected (failed, dependents skipped); its
/// timeout ends it `timed_out` through `expire_queued`; cancel ends it canceled.
@Suite("approve")
struct ApproveTests {
    static let retained = ["retention": "600000"]

    /// build -> gate (approval) -> publish.
    static func release(gateFields: [String: String] = [:]) -> [TaskRecord] {
        [task("build", before: ["gate"]), approval("gate", after: ["build"], before: ["publish"], fields: gateFields),
         task("publish", after: ["gate"])]
    }

    static func approval(
        _ id: String, after dependencies: [String] = [], before dependents: [String] = [], fields: [String: String] = [:]
    ) -> TaskRecord {
        TaskRecord(
            id: id, step: id, queue: TaskSettings.awaitingQueue, priority: 10, deps: dependencies.count, dependents: dependents,
            limits: [], refs: [], spec: #"{"type":"approval"}"#, maxAttempts: 1, continueOnError: false, lostRetry: "",
            fields: ["await": "approval", "approvers": "alice"].merging(fields) { _, new in new })
    }

    /// Runs `build` to success, so the gate waits.
    static func reachGate(_ q: QueueFixture) async throws {
        let build = try await q.claimExactly(1)
        #expect(build[0].ref.taskID == "build")
        #expect(try await q.succeed(build[0]))
        _ = try await q.applyAll()
    }

    static func taskField(_ q: QueueFixture, _ task: String, _ field: String) async throws -> String? {
        try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: task))), .string(field)).string
    }

    @Test func anApprovedGateSucceedsAndReleasesItsDependents() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.release(), fields: Self.retained)
            try await Self.reachGate(q)
            #expect(try await q.state("r1", "gate") == "ready")
            #expect(try await q.claim(5).isEmpty, "no worker claims an approval")
            let waiting = try await q.queue.runEvents("r1").filter { $0.fields["type"] == "task_waiting" }
            #expect(waiting.map { $0.fields["task"] } == ["gate"] && waiting.first?.fields["for"] == "approval")

            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: true, by: "alice", reason: "looks good") == 1)
            #expect(try await q.state("r1", "gate") == "succeeded")
            #expect(try await Self.taskField(q, "gate", "decidedBy") == "alice")
            #expect(try await Self.taskField(q, "gate", "output") == "approved by alice: looks good")
            let finished = try await q.queue.runEvents("r1").filter { $0.fields["type"] == "task_finished" && $0.fields["task"] == "gate" }
            #expect(finished.map { $0.fields["decidedBy"] } == ["alice"])

            let publish = try await q.claimExactly(1)
            #expect(publish[0].ref.taskID == "publish")
            #expect(try await q.succeed(publish[0]))
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: false, by: "bob") == 0, "decided once")
        }
    }

    @Test func aRejectedGateFailsAndItsDependentsAreSkipped() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.release(), fields: Self.retained)
            try await Self.reachGate(q)
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: false, by: "bob", reason: "not today") == 1)
            #expect(try await q.state("r1", "gate") == "failed")
            #expect(try await Self.taskField(q, "gate", "error") == "rejected by bob: not today")
            #expect(try await q.state("r1", "publish") == "skipped")
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }

    @Test func onlyAWaitingApprovalIsDecided() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.release(), fields: Self.retained)
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: true, by: "alice") == 0,
                    "its dependency has not finished")
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["build"], approve: true, by: "alice") == 0, "no approval")
            #expect(try await q.queue.decideApproval("nope", taskIDs: ["gate"], approve: true, by: "alice") == nil)
            #expect(try await q.state("r1", "build") == "ready")
            #expect(try await q.state("r1", "gate") == "waiting")
        }
    }

    @Test func aDecisionWithoutRetentionIsAppliedByTheCoordinator() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.release())
            try await Self.reachGate(q)
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: true, by: "alice") == 1)
            #expect(try await q.claim(1).isEmpty, "applied by apply_events")
            #expect(try await q.applyAll() == 1)
            #expect(try await q.claimExactly(1)[0].ref.taskID == "publish")
        }
    }

    @Test func aGateNobodyDecidesInTimeTimesOut() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.release(gateFields: ["queueTimeoutMs": "60000"]), fields: Self.retained)
            try await Self.reachGate(q)
            q.clock.advance(by: .seconds(30))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 0)
            q.clock.advance(by: .seconds(31))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 1)
            #expect(try await q.state("r1", "gate") == "timed_out")
            #expect(try await Self.taskField(q, "gate", "error") == "approval timeout: no decision within 1m")
            _ = try await q.applyAll()
            #expect(try await q.state("r1", "publish") == "skipped")
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: true, by: "alice") == 0, "too late")
        }
    }

    @Test func cancelingTheRunEndsAWaitingGateCanceled() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.release(), fields: Self.retained)
            try await Self.reachGate(q)
            #expect(try await q.queue.cancelRun("r1", reason: "canceled by test") == 2)
            #expect(try await q.state("r1", "gate") == "canceled")
            #expect(try await q.redis.send("ZCARD", .string("qt:queue:\(TaskSettings.awaitingQueue):ready")).int == 0)
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: true, by: "alice") == 0)
        }
    }

    @Test func retryingARejectedRunAsksForApprovalAgain() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.release(), fields: Self.retained)
            try await Self.reachGate(q)
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: false, by: "bob") == 1)
            #expect(try await q.runField("r1", "state") == "failed")
            guard case .retried(let count, _) = try await q.queue.retryRun("r1", fresh: false) else {
                Issue.record("the failed run was not retried")
                return
            }
            #expect(count == 2, "gate and publish run again")
            #expect(try await q.state("r1", "gate") == "ready")
            #expect(try await Self.taskField(q, "gate", "decidedBy") == nil, "the old decision is gone")
            #expect(try await q.claim(5).isEmpty, "it waits for a decision again")
            #expect(try await q.queue.decideApproval("r1", taskIDs: ["gate"], approve: true, by: "alice") == 1)
            #expect(try await q.claimExactly(1)[0].ref.taskID == "publish")
        }
    }
}
