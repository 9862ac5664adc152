import QrewQueue
import QrewRedis
import Testing

@Suite("expire_runs")
struct ExpireRunsTests {
    @Test func anOverdueRunIsCanceledAndItsRunningTasksAnnounced() async throws {
        try await withQueue { q throws in
            try await q.submit("slow", [task("a"), task("b", after: ["a"])], fields: ["timeoutMs": "60000"])
            try await q.submit("quick", [task("x")], fields: ["timeoutMs": "60000"])
            let claimed = try await q.claim(5)
            #expect(try await q.queue.expireRuns(fence: q.fence).isEmpty)
            for item in claimed where item.ref.runID == "quick" { try await q.succeed(item) }
            try await q.applyAll()

            q.clock.advance(by: .seconds(61))
            #expect(try await q.queue.expireRuns(fence: q.fence) == ["slow"])
            #expect(try await q.runField("slow", "state") == "canceled")
            #expect(try await q.runField("slow", "cancelReason")?.contains("run timeout") == true)
            #expect(try await q.state("slow", "a") == "canceled")
            #expect(try await q.state("slow", "b") == "canceled")
            #expect(try await q.runField("quick", "state") == "succeeded")
            #expect(try await q.queue.expireRuns(fence: q.fence).isEmpty)
        }
    }
}

@Suite("prune_workers")
struct PruneWorkersTests {
    @Test func workersSilentForTooLongAreForgotten() async throws {
        try await withQueue { q throws in
            _ = try await q.queue.heartbeat(worker: "old", lease: .seconds(10), info: "{}", holding: [])
            q.clock.advance(by: .seconds(30))
            _ = try await q.queue.heartbeat(worker: "fresh", lease: .seconds(10), info: "{}", holding: [])
            #expect(try await q.queue.pruneWorkers(fence: q.fence, silence: .seconds(20)) == ["old"])
            #expect(try await q.queue.workers(seenWithin: .seconds(3600), now: q.queue.serverTime()).map(\.name) == ["fresh"])
            #expect(try await q.redis.send("EXISTS", .string(q.queue.keys.worker("old"))).int == 0)
        }
    }
}
