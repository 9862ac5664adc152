import QrewQueue
import QrewRedis
import Testing

/// Circuit breakers, rate limits and keyed concurrency (lib/gates.lua, lib/limits.lua `key:`),
/// on a real redis-server with the manual clock: claim parks at a closed gate without counting
/// an attempt, `wake_gates` brings waiters back best first, complete drives the breakers.
@Suite("gates")
struct GatesTests {
    private func gated(_ id: String, _ gates: String, priority: Int = 10, maxAttempts: Int = 1) -> TaskRecord {
        task(id, priority: priority, maxAttempts: maxAttempts, fields: ["gates": gates])
    }

    private func keyed(_ id: String, key: String, limit: Int = 1, priority: Int = 10) -> TaskRecord {
        task(id, priority: priority, limits: ["run", "key:\(limit):\(key)"], fields: ["concurrencyKey": key])
    }

    private func ids(_ claimed: [ClaimedTask]) -> [String] { claimed.map(\.ref.description) }

    private func wake(_ q: QueueFixture) async throws -> (woken: Int, nextDue: Duration?) {
        try await q.queue.wakeGates(fence: q.fence)
    }

    private func breaker(_ q: QueueFixture, _ key: String = "api") async throws -> [String: String] {
        QueueClient.hash(try await q.redis.send("HGETALL", .string("qt:breaker:\(key)")))
    }

    // MARK: keyed concurrency

    @Test func aKeyIsSharedByEveryRunAndOtherKeysAreNotHeldBack() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [keyed("a", key: "acme", priority: 30), keyed("b", key: "globex")])
            try await q.submit("r2", [keyed("c", key: "acme", priority: 20)])
            let first = try await q.claim(10)
            #expect(Set(ids(first)) == ["r1/a", "r1/b"])
            #expect(try await q.redis.send("ZRANGE", "qt:key:1:acme:parked", "0", "-1").array?.compactMap(\.string) == ["r2/c"])
            #expect(try await q.claim(10).isEmpty)
            let a = try #require(first.first { $0.ref.description == "r1/a" })
            try await q.succeed(a)
            #expect(ids(try await q.claimExactly(1)) == ["r2/c"])
            #expect(try await q.redis.send("HGET", "qt:key:1:acme", "inflight").string == "1")
        }
    }

    @Test func anIdleKeyLeavesNoCounterBehind() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [keyed("a", key: "acme", limit: 2), keyed("b", key: "acme", limit: 2)])
            let claimed = try await q.claimExactly(2)
            #expect(try await q.redis.send("HGET", "qt:key:2:acme", "inflight").string == "2")
            for task in claimed { try await q.succeed(task) }
            #expect(try await q.redis.send("EXISTS", "qt:key:2:acme").int == 0)
        }
    }

    @Test func aCanceledRunsKeyedWaiterNeverHoldsBackAnotherRun() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [keyed("a", key: "acme", priority: 50), keyed("b", key: "acme", priority: 40)])
            let a = try #require(try await q.claim(10).first)
            try await q.submit("r2", [keyed("c", key: "acme")])
            #expect(try await q.claim(10).isEmpty)
            _ = try await q.queue.cancelRun("r1", reason: "user")
            try await q.succeed(a)
            #expect(ids(try await q.claimExactly(1)) == ["r2/c"])
        }
    }

    // MARK: rate limits

    @Test func noMoreThanTheLimitStartsInAnySpanOfPer() async throws {
        try await withQueue { q throws in
            // The clock also moves with real time between calls: a minute's span leaves room for it.
            let gate = "rate:3:60000:api"
            try await q.submit("r1", (1...5).map { gated("t\($0)", gate, priority: 10 * $0) })
            #expect(ids(try await q.claim(10)) == ["r1/t5", "r1/t4", "r1/t3"])
            #expect(try await q.queue.attempt(of: "r1", "t2") == 0)
            let due = try #require(try await wake(q).nextDue)
            #expect(due > .seconds(50) && due <= .seconds(60))
            // 50 s of the 60 on the test clock: seconds of real time may pass between the calls.
            q.clock.advance(by: .seconds(50))
            #expect(try await wake(q).woken == 0)
            #expect(try await q.claim(10).isEmpty)
            q.clock.advance(by: .seconds(10))
            #expect(try await wake(q).woken == 2)
            #expect(ids(try await q.claim(10)) == ["r1/t2", "r1/t1"])
            #expect(try await q.redis.send("ZCARD", .string("qt:\(gate)")).int == 2)
            #expect(try await q.redis.send("EXISTS", .string("qt:\(gate):parked")).int == 0)
        }
    }

    @Test func waitersComeBackInPriorityOrderAcrossRuns() async throws {
        try await withQueue { q throws in
            // A span of 30 s, far longer than the real time the calls take on a loaded machine.
            let gate = "rate:1:30000:api"
            try await q.submit("r1", [gated("low", gate, priority: 10)])
            try await q.submit("r2", [gated("first", gate, priority: 5)])
            #expect(ids(try await q.claim(1)) == ["r1/low"])
            try await q.submit("r3", [gated("high", gate, priority: 90)])
            #expect(try await q.claim(10).isEmpty)
            var order: [String] = []
            for _ in 0..<2 {
                q.clock.advance(by: .seconds(30))
                _ = try await wake(q)
                order += ids(try await q.claim(10))
            }
            #expect(order == ["r3/high", "r2/first"])
        }
    }

    @Test func aCanceledRunsRateWaitersAreDropped() async throws {
        try await withQueue { q throws in
            let gate = "rate:1:30000:api"
            try await q.submit("r1", [gated("a", gate, priority: 50), gated("b", gate, priority: 50)])
            #expect(try await q.claim(10).count == 1)
            try await q.submit("r2", [gated("c", gate)])
            #expect(try await q.claim(10).isEmpty)
            _ = try await q.queue.cancelRun("r1", reason: "user")
            q.clock.advance(by: .seconds(30))
            _ = try await wake(q)
            #expect(ids(try await q.claimExactly(1)) == ["r2/c"])
        }
    }

    @Test func aTaskHeldAtAGateLeavesItsPoolSlotToTheNextWaiter() async throws {
        try await withQueue { q throws in
            let gate = "rate:1:60000:api"
            let pool = ["run": 100, "pool:db": 1]
            try await q.submit("r1", [
                task("first", priority: 90, limits: ["pool:db"]),
                task("rated", priority: 80, fields: ["gates": gate]),
                task("pooledAndRated", priority: 70, limits: ["pool:db"], fields: ["gates": gate]),
                task("pooled", priority: 60, limits: ["pool:db"]),
            ], limits: pool)
            let started = try await q.claim(10)
            #expect(ids(started) == ["r1/first", "r1/rated"])
            let first = try #require(started.first)
            try await q.succeed(first)   // unparks pooledAndRated, which the rate limit then holds back
            #expect(ids(try await q.claim(10)) == ["r1/pooled"], "the pool slot went on to the next waiter")
        }
    }

    // MARK: circuit breakers

    @Test func failuresOpenTheBreakerAndAProbeClosesIt() async throws {
        try await withQueue { q throws in
            let gate = "breaker:2:600000:60000:api"
            try await q.submit("r1", (1...5).map { gated("t\($0)", gate, priority: 100 - $0) })
            let firstTwo = try await q.claimExactly(2)
            for task in firstTwo { try await q.fail(task) }
            #expect(try await breaker(q)["state"] == "open")
            #expect(try await q.claim(10).isEmpty)
            #expect(try await q.queue.attempt(of: "r1", "t3") == 0, "parking counts no attempt")
            // 50 s of the 60 on the test clock: seconds of real time may pass between the calls.
            q.clock.advance(by: .seconds(50))
            #expect(try await wake(q).woken == 0)
            #expect(try await q.claim(10).isEmpty)
            q.clock.advance(by: .seconds(10))
            #expect(try await wake(q).woken == 1)
            let probe = try await q.claimExactly(1)
            #expect(ids(probe) == ["r1/t3"])
            #expect(try await breaker(q)["state"] == "half_open")
            #expect(try await breaker(q)["probe"] == "r1/t3")
            try await q.succeed(probe[0])
            #expect(try await breaker(q)["state"] == "closed")
            #expect(Set(ids(try await q.claim(10))) == ["r1/t4", "r1/t5"])
        }
    }

    @Test func aFailedProbeReopensTheBreakerForAnotherCooldown() async throws {
        try await withQueue { q throws in
            let gate = "breaker:1:60000:5000:api"
            try await q.submit("r1", (1...3).map { gated("t\($0)", gate, priority: 100 - $0) })
            try await q.fail(try await q.claimExactly(1)[0])
            q.clock.advance(by: .seconds(5))
            _ = try await wake(q)
            let probe = try await q.claimExactly(1)
            #expect(try await q.claim(10).isEmpty, "one probe at a time")
            try await q.fail(probe[0])
            let state = try await breaker(q)
            #expect(state["state"] == "open")
            #expect(try await q.claim(10).isEmpty)
            q.clock.advance(by: .seconds(5))
            _ = try await wake(q)
            #expect(try await q.claimExactly(1).count == 1)
        }
    }

    @Test func aLostProbeDoesNotLeaveTheBreakerStuck() async throws {
        try await withQueue { q throws in
            let gate = "breaker:1:60000:5000:api"
            try await q.submit("r1", (1...3).map { gated("t\($0)", gate, priority: 100 - $0) })
            try await q.fail(try await q.claimExactly(1)[0])
            q.clock.advance(by: .seconds(5))
            _ = try await wake(q)
            _ = try await q.claimExactly(1, lease: .seconds(60))   // the probe's worker never reports
            #expect(try await q.claim(10).isEmpty)
            q.clock.advance(by: .seconds(5))
            _ = try await wake(q)
            #expect(try await q.claimExactly(1).count == 1, "a new probe once the probe's lease passed")
        }
    }

    @Test func retriedAttemptsCountAsFailures() async throws {
        try await withQueue { q throws in
            let gate = "breaker:2:60000:5000:api"
            try await q.submit("r1", [gated("a", gate, maxAttempts: 3), gated("b", gate, priority: 1)])
            let first = try await q.claimExactly(2)
            let a = try #require(first.first { $0.ref.taskID == "a" })
            try await q.fail(a, retryDelay: .zero)
            #expect(try await breaker(q)["state"] == "closed")
            #expect(try await q.redis.send("ZCARD", "qt:breaker:api:failures").int == 1)
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            try await q.fail(try await q.claimExactly(1)[0], retryDelay: .zero)
            #expect(try await breaker(q)["state"] == "open")
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            #expect(try await q.claim(10).isEmpty, "the retry waits for the breaker")
        }
    }

    @Test func aLostLeaseCountsAsAFailure() async throws {
        try await withQueue { q throws in
            let gate = "breaker:1:600000:60000:api"
            try await q.submit("r1", [gated("a", gate, priority: 50), gated("b", gate)])
            _ = try await q.claimExactly(1, lease: .seconds(1))
            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.reapLeases(fence: q.fence) == ["r1/a"])
            #expect(try await breaker(q)["state"] == "open")
            #expect(try await q.claim(10).isEmpty)
        }
    }

    @Test func failuresOutsideTheWindowDoNotCount() async throws {
        try await withQueue { q throws in
            let gate = "breaker:2:1000:5000:api"
            try await q.submit("r1", (1...3).map { gated("t\($0)", gate, priority: 100 - $0) })
            try await q.fail(try await q.claimExactly(1)[0])
            q.clock.advance(by: .milliseconds(1500))
            try await q.fail(try await q.claimExactly(1)[0])
            #expect(try await breaker(q)["state"] == "closed")
            #expect(try await q.claimExactly(1).count == 1)
        }
    }

    @Test func aClosedBreakerIsForgottenAfterItsWindow() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [gated("a", "breaker:2:60000:60000:api")])
            try await q.fail(try await q.claimExactly(1)[0])
            #expect(try await q.queue.breakers().map(\.state) == ["closed"])
            #expect(try await q.redis.send("PTTL", "qt:breaker:api").int ?? 0 > 50_000)
            q.clock.advance(by: .seconds(61))
            _ = try await wake(q)
            #expect(try await q.redis.send("ZCARD", "qt:breakers").int == 0)
        }
    }

    @Test func breakersAreListedAndAResetQueuesTheirWaiters() async throws {
        try await withQueue { q throws in
            let gate = "breaker:1:60000:600000:a%2Cb"
            try await q.submit("r1", (1...3).map { gated("t\($0)", gate, priority: 100 - $0) })
            try await q.fail(try await q.claimExactly(1)[0])
            #expect(try await q.claim(10).isEmpty)
            let listed = try await q.queue.breakers()
            #expect(listed.map(\.key) == ["a,b"])
            #expect(listed.first?.state == "open")
            #expect(listed.first?.failuresInWindow == 1)
            #expect(listed.first?.parked == 2)
            #expect(try await q.queue.resetBreaker("a,b"))
            #expect(try await q.claim(10).count == 2)
            #expect(try await q.queue.breakers().isEmpty)
        }
    }
}

extension QueueClient {
    /// The attempt number of a task (0 before its first claim).
    fileprivate func attempt(of run: String, _ task: String) async throws -> Int? {
        try await redis.send("HGET", .string(keys.task(TaskRef(runID: run, taskID: task))), "attempt").string.flatMap { Int($0) }
    }
}
