import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `signal` and timed waits: a `type: wait` task waits on the awaiting queue (no worker claims
/// it) for its event, delivered before or after it is reached, or for its duration (durable:
/// a deadline in Redis that `expire_queued` ends on the test clock).
@Suite("signal and timed waits")
struct SignalTests {
    static let retained = ["retention": "600000"]

    static func wait(_ id: String, after dependencies: [String] = [], before dependents: [String] = [], fields: [String: String]) -> TaskRecord {
        TaskRecord(
            id: id, step: id, queue: TaskSettings.awaitingQueue, priority: 10, deps: dependencies.count, dependents: dependents,
            limits: [], refs: [], spec: #"{"type":"wait"}"#, maxAttempts: 1, continueOnError: false, lostRetry: "", fields: fields)
    }

    /// build -> ready (wait) -> publish.
    static func pipeline(_ waitFields: [String: String]) -> [TaskRecord] {
        [task("build", before: ["ready"]), wait("ready", after: ["build"], before: ["publish"], fields: waitFields),
         task("publish", after: ["ready"])]
    }

    static func runBuild(_ q: QueueFixture) async throws {
        let build = try await q.claimExactly(1)
        #expect(try await q.succeed(build[0]))
        _ = try await q.applyAll()
    }

    static func output(_ q: QueueFixture, _ task: String) async throws -> String? {
        try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: task))), "output").string
    }

    @Test func aSignalCompletesTheWaitWithItsDataAndReleasesTheDependents() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.pipeline(["await": "event", "event": "deployed"]), fields: Self.retained)
            try await Self.runBuild(q)
            #expect(try await q.state("r1", "ready") == "ready")
            #expect(try await q.claim(5).isEmpty, "no worker claims a wait")
            let waiting = try await q.queue.runEvents("r1").filter { $0.fields["type"] == "task_waiting" }
            #expect(waiting.first?.fields["for"] == "event" && waiting.first?.fields["event"] == "deployed")
            #expect(try await q.queue.signal("r1", event: "other") == 0)
            #expect(try await q.state("r1", "ready") == "ready")
            #expect(try await q.queue.signal("r1", event: "deployed", data: #"{"version":"1.2"}"#) == 1)
            #expect(try await q.state("r1", "ready") == "succeeded")
            #expect(try await Self.output(q, "ready") == #"{"version":"1.2"}"#)
            #expect(try await q.claimExactly(1)[0].ref.taskID == "publish")
            #expect(try await q.queue.signal("nope", event: "deployed") == nil)
        }
    }

    @Test func aSignalBeforeTheWaitIsReachedCompletesItWhenReached() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.pipeline(["await": "event", "event": "deployed"]), fields: Self.retained)
            #expect(try await q.queue.signal("r1", event: "deployed", data: "\"early\"") == 0)
            #expect(try await q.state("r1", "ready") == "waiting")
            try await Self.runBuild(q)
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 1)
            #expect(try await q.state("r1", "ready") == "succeeded")
            #expect(try await Self.output(q, "ready") == "\"early\"")
            _ = try await q.applyAll()
            #expect(try await q.claimExactly(1)[0].ref.taskID == "publish")
        }
    }

    @Test func anEventWaitWithATimeoutEndsTimedOutWithoutItsEvent() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.pipeline(["await": "event", "event": "deployed", "queueTimeoutMs": "60000"]),
                               fields: Self.retained)
            try await Self.runBuild(q)
            q.clock.advance(by: .seconds(30))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 0)
            q.clock.advance(by: .seconds(31))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 1)
            #expect(try await q.state("r1", "ready") == "timed_out")
            _ = try await q.applyAll()
            #expect(try await q.state("r1", "publish") == "skipped")
            #expect(try await q.queue.signal("r1", event: "deployed") == 0, "too late")
        }
    }

    @Test func aTimedWaitSucceedsWhenItsDurationHasPassed() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", Self.pipeline(["await": "sleep", "queueTimeoutMs": "3600000"]), fields: Self.retained)
            try await Self.runBuild(q)
            let waiting = try await q.queue.runEvents("r1").filter { $0.fields["type"] == "task_waiting" }
            #expect(waiting.first?.fields["for"] == "sleep" && waiting.first?.fields["until"] != nil)
            q.clock.advance(by: .seconds(1800))
            let early = try await q.queue.expireQueued(fence: q.fence)
            #expect(early.expired == 0 && early.nextDue.map { $0 <= .seconds(1800) } == true)
            #expect(try await q.claim(5).isEmpty)
            q.clock.advance(by: .seconds(1801))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 1)
            #expect(try await q.state("r1", "ready") == "succeeded")
            _ = try await q.applyAll()
            #expect(try await q.claimExactly(1)[0].ref.taskID == "publish")
        }
    }

    @Test func cancelingTheRunEndsWaitsCanceled() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [Self.wait("a", fields: ["await": "event", "event": "go"]),
                                      Self.wait("b", fields: ["await": "sleep", "queueTimeoutMs": "1000"])], fields: Self.retained)
            #expect(try await q.queue.cancelRun("r1", reason: "canceled by test") == 2)
            #expect(try await q.state("r1", "a") == "canceled")
            #expect(try await q.state("r1", "b") == "canceled")
            #expect(try await q.queue.signal("r1", event: "go") == 0)
            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 0)
        }
    }
}
