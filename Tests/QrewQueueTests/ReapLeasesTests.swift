import QrewQueue
import QrewRedis
import Testing

@Suite("reap_leases and heartbeat")
struct ReapLeasesTests {
    @Test func anExpiredLeaseIsRequeuedAndTheOldTokenRefused() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2)])
            let first = try #require(try await q.claim(1, worker: "dead", lease: .seconds(10)).first)
            #expect(try await q.queue.reapLeases(fence: q.fence, retryDelay: .zero).isEmpty)
            q.clock.advance(by: .seconds(11))
            #expect(try await q.queue.reapLeases(fence: q.fence, retryDelay: .zero) == ["r1/a"])
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            let second = try #require(try await q.claim(1, worker: "alive").first)
            #expect(second.attempt == 2)
            #expect(try await q.succeed(first) == false)
            #expect(try await q.succeed(second))
        }
    }

    @Test func aLeaseLostOnTheLastAttemptFailsTheTask() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            _ = try await q.claim(1, lease: .seconds(1))
            q.clock.advance(by: .seconds(2))
            _ = try await q.queue.reapLeases(fence: q.fence, retryDelay: .zero)
            #expect(try await q.state("r1", "a") == "failed")
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }

    @Test func heartbeatRenewsHeldLeasesAndReportsLostOnes() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b")])
            let claimed = try await q.claim(2, lease: .seconds(10))
            q.clock.advance(by: .seconds(8))
            let held = claimed.map { (ref: $0.ref, token: $0.token) }
            let lost = try await q.queue.heartbeat(worker: "w1", lease: .seconds(10), info: "{}", holding: held + [(TaskRef(runID: "r1", taskID: "gone"), "1")])
            #expect(lost == [TaskRef(runID: "r1", taskID: "gone")])
            q.clock.advance(by: .seconds(8))
            #expect(try await q.queue.reapLeases(fence: q.fence, retryDelay: .zero).isEmpty)
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.workers), "w1").string != nil)
        }
    }
}
