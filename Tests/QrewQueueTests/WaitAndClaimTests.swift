import QrewQueue
import QrewRedis
import Testing

/// An idle worker's wake-up: `BLPOP` on the wake lists with `claim` behind it in the same write.
@Suite("wait and claim")
struct WaitAndClaimTests {
    private static let worker = "w1"

    private func waitAndClaim(
        _ q: QueueFixture, timeout: Duration = .seconds(10), max: Int = 4, proceed: @escaping @Sendable () -> Bool = { true }
    ) async throws -> [ClaimedTask] {
        try await q.queue.waitAndClaim(
            worker: Self.worker, lease: .seconds(30), max: max, queues: ["default"], timeout: timeout, proceed: proceed
        ).tasks
    }

    /// Waits until a client is blocked in Redis (the `BLPOP`).
    private func untilBlocked(_ q: QueueFixture) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let info = try await q.redis.send("INFO", "clients").string ?? ""
            if info.contains("blocked_clients:1") { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("no client blocked within 10 s")
    }

    @Test func aBlockedWorkerGetsTheTaskPushedWhileItWaitsWithItsLease() async throws {
        try await withQueue { q throws in
            let waiting = Task { try await waitAndClaim(q) }
            try await untilBlocked(q)
            try await q.submit("r1", [task("only")])
            let claimed = try await waiting.value
            #expect(claimed.map(\.ref.taskID) == ["only"])
            #expect(claimed.first?.attempt == 1)
            let key = RedisArgument.string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "only")))
            let fields = try await q.redis.send("HMGET", key, "state", "token", "worker").array?.map(\.string)
            #expect(fields == ["running", claimed.first?.token, Self.worker])
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.leases), "r1/only").string != nil)
            #expect(try await q.redis.send("LLEN", .string(q.queue.keys.wake(queue: "default"))).int == 0, "the token was taken")
        }
    }

    @Test func aBlockThatTimesOutStillClaimsATaskWhoseTokenWasTaken() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("only")])
            // Another worker took the token without claiming.
            _ = try await q.redis.send("DEL", .string(q.queue.keys.wake(queue: "default")))
            let claimed = try await waitAndClaim(q, timeout: .milliseconds(100))
            #expect(claimed.map(\.ref.taskID) == ["only"])
        }
    }

    @Test func nothingToClaimReturnsNothingAfterTheBlockTime() async throws {
        try await withQueue { q throws in
            let started = ContinuousClock.now
            #expect(try await waitAndClaim(q, timeout: .milliseconds(100)).isEmpty)
            #expect(ContinuousClock.now - started >= .milliseconds(90))
        }
    }

    @Test func aWorkerThatNoLongerWantsTheTasksHandsThemBack() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b")])
            let claimed = try await waitAndClaim(q, proceed: { false })
            #expect(claimed.isEmpty)
            for id in ["a", "b"] {
                let key = RedisArgument.string(q.queue.keys.task(TaskRef(runID: "r1", taskID: id)))
                let fields = try await q.redis.send("HMGET", key, "state", "attempt", "token").array?.map(\.string)
                #expect(fields == ["ready", "0", nil], "\(id): \(String(describing: fields))")
            }
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.leases)).int == 0)
            #expect(try await q.redis.send("LLEN", .string(q.queue.keys.wake(queue: "default"))).int ?? 0 > 0, "another worker is woken")
            // The next worker claims them as first attempts.
            #expect(try await q.claim(10).map(\.attempt) == [1, 1])
        }
    }

    @Test func aScriptCacheFlushedWhileWaitingLoadsTheClaimAgain() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("only")])
            _ = try await q.redis.send("SCRIPT", "FLUSH")
            let claimed = try await waitAndClaim(q)
            #expect(claimed.map(\.ref.taskID) == ["only"])
        }
    }
}
