import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// Tasks with `if:` (their `condition` field): lib/finish counts a dependency of any final state
/// off them, and `skip_task` ends one whose condition is false.
@Suite("conditions: lib/finish and skip_task")
struct SkipTaskTests {
    private static let condition = ["condition": "failure()"]

    private func error(_ q: QueueFixture, _ run: String, _ task: String) async throws -> String? {
        try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: run, taskID: task))), "error").string
    }

    @Test func aFailureQueuesAConditionalDependentAndSkipsAPlainOne() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["plain", "notify"]),
                task("plain", after: ["a"]),
                task("notify", after: ["a"], fields: Self.condition),
            ])
            try await q.fail(try await q.claimExactly(1)[0])
            try await q.applyAll()
            #expect(try await q.state("r1", "plain") == "skipped")
            #expect(try await q.state("r1", "notify") == "ready")
            let notify = try await q.claimExactly(1)[0]
            #expect(notify.ref.taskID == "notify")
            try await q.succeed(notify)
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }

    @Test func aConditionalTaskWaitsForAllItsDependencies() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["cleanup"]),
                task("b", before: ["cleanup"]),
                task("cleanup", after: ["a", "b"], fields: ["condition": "always()"]),
            ])
            let claimed = try await q.claimExactly(2)
            try await q.fail(claimed[0])
            try await q.applyAll()
            #expect(try await q.state("r1", "cleanup") == "waiting")
            try await q.succeed(claimed[1])
            try await q.applyAll()
            #expect(try await q.state("r1", "cleanup") == "ready")
        }
    }

    @Test func alwaysRunsAfterASkippedDependency() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["b"]),
                task("b", after: ["a"], before: ["cleanup"]),
                task("cleanup", after: ["b"], fields: ["condition": "always()"]),
            ])
            try await q.fail(try await q.claimExactly(1)[0])
            try await q.applyAll()
            #expect(try await q.state("r1", "b") == "skipped")
            #expect(try await q.state("r1", "cleanup") == "ready")
            try await q.succeed(try await q.claimExactly(1)[0])
            try await q.applyAll()
            #expect(try await q.state("r1", "cleanup") == "succeeded")
            #expect(try await q.runField("r1", "finishedAt") != nil)
        }
    }

    @Test func aFalseConditionSkipsTheTaskAndWhatIsDownstream() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["deploy"]),
                task("deploy", after: ["a"], before: ["announce"], fields: ["condition": "steps.a.output == 'yes'"]),
                task("announce", after: ["deploy"]),
            ])
            try await q.succeed(try await q.claimExactly(1)[0], output: "no")
            try await q.applyAll()
            let deploy = try await q.claimExactly(1)[0]
            #expect(try await q.queue.dependencyResults(runID: "r1", taskIDs: ["a"]) == (["a": "succeeded"], ["a": "no"]))
            let reason = "condition false: steps.a.output == 'yes'"
            #expect(try await q.queue.skipTask(deploy, reason: reason))
            #expect(try await q.queue.skipTask(deploy, reason: reason) == false)
            #expect(try await q.state("r1", "deploy") == "skipped")
            #expect(try await error(q, "r1", "deploy") == reason)
            #expect(try await q.state("r1", "announce") == "skipped")
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.leases)).int == 0)
            let events = try await q.redis.send("XRANGE", .string(q.queue.keys.runEvents("r1")), "-", "+")
            // the entries this call added are one `batch` entry: a JSON array of events
            let text = (events.array ?? []).compactMap { $0.array?.last?.array?.compactMap(\.string).joined(separator: " ") }
                .joined(separator: "\n")
            #expect(text.contains(#"["type","task_finished","task","deploy","state","skipped","error","\#(reason)""#), "\(text)")
        }
    }

    @Test func aStaleTokenCannotSkip() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", fields: ["condition": "always()"])])
            let a = try await q.claimExactly(1)[0]
            let forged = ClaimedTask(ref: a.ref, token: "999999", attempt: 1, spec: a.spec, outputs: [:])
            #expect(try await q.queue.skipTask(forged, reason: "condition false: x") == false)
            #expect(try await q.state("r1", "a") == "running")
        }
    }
}

/// A run stored in slices: a failure that reaches a conditional task before it is stored counts
/// it off instead of marking it skipped.
@Suite("conditions: tasks stored late")
struct ConditionStoredLateTests {
    @Test func aConditionalTaskStoredAfterAFailureUpstreamIsQueued() async throws {
        try await withQueue { q throws in
            let run = RunRecord(runID: "r1", fields: [:], limits: ["run": 100], tasks: [
                task("a", before: ["b"]),
                task("b", after: ["a"], before: ["cleanup"]),
                task("cleanup", after: ["b"], fields: ["condition": "always()"]),
            ])
            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 1, callLimit: 1)
            try await q.fail(try #require(try await q.claim(5).first))
            try await q.applyAll()
            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 1)
            #expect(try await q.state("r1", "b") == "skipped")
            #expect(try await q.state("r1", "cleanup") == "ready")
            let cleanup = try #require(try await q.claim(5).first)
            #expect(cleanup.ref.taskID == "cleanup")
            try await q.succeed(cleanup)
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.runField("r1", "pending") == "0")
        }
    }
}

extension ConditionStoredLateTests {
    /// The failure reaches `b` early; storing `b` skipped reaches `cleanup` (and `d`) in the same
    /// slice, before they are stored.
    @Test func aSkipThatReachesATaskLaterInTheSameSliceIsApplied() async throws {
        try await withQueue { q throws in
            let run = RunRecord(runID: "r1", fields: [:], limits: ["run": 100], tasks: [
                task("a", before: ["b"]),
                task("b", after: ["a"], before: ["cleanup", "d"]),
                task("cleanup", after: ["b"], fields: ["condition": "always()"]),
                task("d", after: ["b"]),
            ])
            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 1, callLimit: 1)
            try await q.fail(try #require(try await q.claim(5).first))
            try await q.applyAll()
            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 10)
            #expect(try await q.state("r1", "b") == "skipped")
            #expect(try await q.state("r1", "d") == "skipped")
            #expect(try await q.state("r1", "cleanup") == "ready")
            try await q.succeed(try #require(try await q.claim(5).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }
}
