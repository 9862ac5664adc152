import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// The reads behind `qctl stats` (`runRecords`) and `qctl why` (`waitFacts`) on a real Redis,
/// driven through the real scripts (claim, complete, heartbeat) with a manual clock.
@Suite("reads for qctl stats and why")
struct StatsReadsTests {
    private static let info = #"{"name":"w1","slots":1,"queues":["default"],"host":"h","pid":1,"running":1}"#

    private func explain(_ task: String, _ facts: WaitFacts) throws -> WaitDiagnosis {
        try #require(WaitDiagnosis.explain(task: task, facts: facts, time: { "\($0)" }))
    }

    @Test func waitFactsNameTheHoldersOfAFullRunLimitAndTheWorkersOfAQueue() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["c"]), task("b"), task("c", after: ["a"])], limits: ["run": 1])
            try await q.submit("r2", [task("x")], limits: ["run": 1])
            let claimed = try await q.claim(10)
            #expect(claimed.count == 2, "one task of each run; r1's other task is parked")
            let first = try #require(claimed.first { $0.ref.runID == "r1" })
            let other = try #require(claimed.first { $0.ref.runID == "r2" })
            let waiting = first.ref.taskID == "a" ? "b" : "a"
            _ = try await q.queue.heartbeat(worker: "w1", lease: .seconds(30), info: Self.info,
                                            holding: [(first.ref, first.token), (other.ref, other.token)])

            var facts = try #require(try await q.queue.waitFacts("r1", liveWithin: .seconds(60)))
            #expect(facts.parkedOn[waiting] == ["run"])
            // `run` is a per-run limit: r2's task holds r2's slot, not r1's.
            #expect(facts.limits["run"] == WaitFacts.Limit(size: 1, inflight: 1, holders: [first.ref.description]))
            let parked = try explain(waiting, facts)
            #expect(parked.reason == .parked && parked.heldBy == [first.ref.description])
            let c = try explain("c", facts)
            #expect(c.reason == .dependencies && c.waitingOn == ["a"])
            #expect(try explain(first.ref.taskID, facts).reason == .running)

            // The slot frees: the waiter is queued, and the only live worker's one slot is busy.
            try await q.succeed(first)
            facts = try #require(try await q.queue.waitFacts("r1", liveWithin: .seconds(60)))
            #expect(facts.queued.contains(waiting))
            #expect(facts.queues["default"] == WaitFacts.QueueService(workers: ["w1"], slots: 1, running: 1))
            #expect(try explain(waiting, facts).reason == .slotsBusy)

            _ = try await q.queue.heartbeat(worker: "w1", lease: .seconds(30), info: Self.info.replacingOccurrences(of: #""running":1"#, with: #""running":0"#), holding: [])
            facts = try #require(try await q.queue.waitFacts("r1", liveWithin: .seconds(60)))
            #expect(try explain(waiting, facts).reason == .claimable)

            // Two minutes of silence: the worker no longer counts as live.
            q.clock.advance(by: .seconds(120))
            facts = try #require(try await q.queue.waitFacts("r1", liveWithin: .seconds(60)))
            #expect(try explain(waiting, facts).reason == .noWorker)
            #expect(try await q.queue.waitFacts("nope", liveWithin: .seconds(60)) == nil)
        }
    }

    @Test func runRecordsRebuildEachAttemptFromTheStream() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"], maxAttempts: 2), task("b", after: ["a"])], limits: ["run": 4])
            let first = try await q.claimExactly(1)
            q.clock.advance(by: .seconds(1))
            try await q.fail(first[0], retryDelay: .seconds(2))
            q.clock.advance(by: .seconds(3))
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            let second = try await q.claimExactly(1)
            q.clock.advance(by: .seconds(2))
            try await q.succeed(second[0])
            try await q.applyAll()
            let b = try await q.claimExactly(1)
            q.clock.advance(by: .seconds(1))
            try await q.succeed(b[0])
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")

            let records = try #require(try await q.queue.runRecords("r1"))
            #expect(records.tasks.map(\.id) == ["a", "b"])
            #expect(records.tasks[1].dependencies == ["a"])
            #expect(records.limitSizes == ["run": 4])
            let a = records.tasks[0].attempts
            #expect(a.map(\.outcome) == ["retry:failed", "succeeded"])
            #expect(a[0].endedAt! - a[0].startedAt >= 1000)
            #expect(a[1].readyAt! - a[0].endedAt! >= 2000, "the retry was due 2 s after the failure")
            let stats = RunStatistics(records)
            #expect(stats.steps.first { $0.step == "a" }?.retries == 1)
            #expect(stats.criticalPath.actual.tasks == ["a", "b"])
            #expect(stats.peakConcurrency == 1)
            #expect(stats.wallSeconds >= 7)
            #expect(stats.eta == nil)
            #expect(try await q.queue.runRecords("nope") == nil)
        }
    }
}
