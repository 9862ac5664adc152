import QrewQueue
import QrewRedis
import Testing

@Suite("expire_runs")
struct ExpireRunsTests {
    @Test func anOverdueRunIsCanceledAndItsRunningTasksAnnounced() async throws {
        try await withQueue { q throws in
            try await q.submit("slow", [task("a"), task("b", after: ["a"])], fields: ["timeoutMs": "1000"])
            try await q.submit("quick", [task("x")], fields: ["timeoutMs": "1000"])
            let claimed = try await q.claim(5)
            #expect(try await q.queue.expireRuns(fence: q.fence, retention: .seconds(60)).isEmpty)
            for item in claimed where item.ref.runID == "quick" { try await q.succeed(item) }
            try await q.applyAll()

            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.expireRuns(fence: q.fence, retention: .seconds(60)) == ["slow"])
            #expect(try await q.runField("slow", "state") == "canceled")
            #expect(try await q.runField("slow", "cancelReason")?.contains("run timeout") == true)
            #expect(try await q.state("slow", "a") == "canceled")
            #expect(try await q.state("slow", "b") == "canceled")
            #expect(try await q.runField("quick", "state") == "succeeded")
            #expect(try await q.queue.expireRuns(fence: q.fence, retention: .seconds(60)).isEmpty)
        }
    }
}
