import QrewQueue
import QrewRedis
import Testing

@Suite("prune_runs")
struct PruneRunsTests {
    @Test func expiredRunsLeaveTheIndexAndLiveOnesStay() async throws {
        try await withQueue { q throws in
            for index in 0..<300 { try await q.submit("r\(index)", [task("a")]) }
            // Runs 0, 2, 4, ... expired (their keys are gone), the others live on.
            for index in stride(from: 0, to: 300, by: 2) { _ = try await q.redis.send("DEL", .string(q.queue.keys.run("r\(index)"))) }
            // Slices of ~50 entries until the scan wraps: one pass over the index, then a new one.
            var removed = 0, calls = 0
            while true {
                let pruned = try await q.queue.pruneRuns(fence: q.fence, batch: 50)
                removed += pruned.removed
                calls += 1
                if !pruned.more { break }
            }
            #expect(removed == 150)
            #expect(calls > 1)
            #expect(try await q.queue.pruneRuns(fence: q.fence, batch: 1000) == (0, false))
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.runs)).int == 150)
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.runs), "r1").string != nil)
        }
    }

    @Test func aCoordinatorThatLostLeadershipIsFenced() async throws {
        try await withQueue { q throws in
            await #expect(throws: QueueError.self) { try await q.queue.pruneRuns(fence: "other:1") }
        }
    }
}
