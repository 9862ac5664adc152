import QrewQueue
import QrewRedis
import Testing

/// `metrics_snapshot` (the leader's queue gauges) and what `claim` returns for the worker's
/// queue-wait histogram, on a real redis-server with the scripts' clock moved by hand.
@Suite("metrics snapshot")
struct MetricsSnapshotTests {
    @Test func anEmptyNamespaceHasNothingToReport() async throws {
        try await withQueue { q throws in
            #expect(try await q.queue.metricsSnapshot() == QueueMetricsSnapshot())
        }
    }

    /// Ready tasks per queue, a pool's size, slots in flight and parked waiters, leases, dead
    /// letters and runs by state, each as Redis holds them.
    @Test func countsQueuesPoolsLeasesDeadLettersAndRuns() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", limits: ["pool:db"]), task("b", limits: ["pool:db"]), task("c")], limits: ["pool:db": 1])
            let gpu = TaskRecord(
                id: "g", step: "g", queue: "gpu", priority: 10, deps: 0, dependents: [], limits: ["run"], refs: [],
                spec: #"{"type":"echo"}"#, maxAttempts: 1, continueOnError: false, lostRetry: "fixed,0,0,0", fields: [:])
            try await q.submit("r2", [gpu])
            var snapshot = try await q.queue.metricsSnapshot()
            #expect(snapshot.readyByQueue == ["default": 3, "gpu": 1])
            #expect(snapshot.pools == ["db": .init(size: 1, inFlight: 0, parked: 0)])
            #expect(snapshot.runsByState == ["queued": 2])

            // One pooled task runs, the other is parked behind it; c runs too.
            let claimed = try await q.claim(10)
            #expect(claimed.count == 2)
            snapshot = try await q.queue.metricsSnapshot()
            #expect(snapshot.readyByQueue == ["default": 0, "gpu": 1])
            #expect(snapshot.pools == ["db": .init(size: 1, inFlight: 1, parked: 1)])
            #expect(snapshot.leased == 2)
            #expect(snapshot.runsByState == ["running": 1, "queued": 1])

            // A failure for good leaves a dead letter; the run finishes once the rest ran.
            for task in claimed { try await q.fail(task) }
            for task in try await q.claim(10) { try await q.succeed(task) }
            try await q.applyAll()
            snapshot = try await q.queue.metricsSnapshot()
            #expect(snapshot.deadLetters >= 1)
            #expect(snapshot.leased == 0)
            #expect(snapshot.pools["db"]?.inFlight == 0)
            #expect(snapshot.runsByState["failed"] == 1 && snapshot.runsByState["queued"] == 1, "\(snapshot.runsByState)")
            #expect(try await q.queue.metricsSnapshot(maxRuns: 1).runsByState.values.reduce(0, +) == 1)
        }
    }

    /// `claim` names each task's queue and how long it waited ready (Redis's clock).
    @Test func claimReportsTheQueueAndTheWait() async throws {
        try await withQueue { q throws in
            let submitted = ContinuousClock.now
            try await q.submit("r1", [task("a")])
            q.clock.advance(by: .seconds(7))
            let claimed = try await q.claimExactly(1)
            // The 7 s the clock moved, plus what really passed between the two calls.
            let passed = ContinuousClock.now - submitted
            #expect(claimed[0].queue == "default")
            let wait = try #require(claimed[0].queueWait)
            #expect(wait >= .seconds(7) && wait <= .seconds(7) + passed + .milliseconds(1), "\(wait) with \(passed) passed")
        }
    }
}
