import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// The ready order of lib/schedule: best priority first, FIFO among equals (also past 4096 tasks
/// queued in one millisecond), aging of one priority point per 10 s of waiting, and rotation
/// between concurrency keys, whichever way a task becomes ready.
@Suite("ready order: aging and fair rotation")
struct ReadyOrderTests {
    @Test func equalPrioritiesLeaveInTheOrderTheyWereQueuedEvenThousandsInOneCall() async throws {
        try await withQueue { q throws in
            let ids = (0..<5000).map { "t\($0)" }
            try await q.submit("r1", ids.map { task($0) }, limits: [:])
            try await q.submit("r2", [task("late")], limits: [:])
            let claimed = try await q.claimExactly(5001)
            #expect(claimed.map(\.ref.taskID) == ids + ["late"])
        }
    }

    @Test func higherPriorityGoesFirst() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("low", priority: 10), task("high", priority: 30), task("mid", priority: 20)], limits: [:])
            #expect(try await q.claimExactly(3).map(\.ref.taskID) == ["high", "mid", "low"])
        }
    }

    /// A task of priority 10 queued at t is passed only by priority-20 tasks queued before
    /// t + (20 − 10) · 10 s.
    @Test(arguments: [(Duration.seconds(95), ["high", "low"]), (Duration.seconds(105), ["low", "high"])])
    func waitingRaisesPriorityOnePointPerTenSeconds(wait: Duration, order: [String]) async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("low", priority: 10)], limits: [:])
            q.clock.advance(by: wait)
            try await q.submit("r2", [task("high", priority: 20)], limits: [:])
            #expect(try await q.claimExactly(2).map(\.ref.taskID) == order)
        }
    }

    @Test func scoresStayExactAtTheExtremesOfPriority() async throws {
        try await withQueue { q throws in
            q.clock.advance(by: .seconds(86_400 * 365 * 20))
            try await q.submit("r1", [
                task("min", priority: Int(Int32.min)), task("max", priority: Int(Int32.max)),
                task("max2", priority: 2_000_000), task("min2", priority: -2_000_000),
            ], limits: [:])
            let reply = try await q.redis.send("ZRANGE", .string(q.queue.keys.ready(queue: "default")), "0", "-1", "WITHSCORES").array ?? []
            let scores = stride(from: 1, to: reply.count, by: 2).compactMap { Double(reply[$0].string ?? "") }
            #expect(scores.count == 4)
            #expect(scores.allSatisfy { $0 == $0.rounded() && abs($0) < 9_007_199_254_740_992 })
            // Clamped to ±2,000,000 then FIFO: exact integers, so equal priorities keep their order.
            #expect(try await q.claimExactly(4).map(\.ref.taskID) == ["max", "max2", "min", "min2"])
        }
    }

    @Test func tasksOfSeveralConcurrencyKeysRotateInsteadOfOneKeyDraining() async throws {
        try await withQueue { q throws in
            let a = (1...4).map { task("a\($0)", fields: ["concurrencyKey": "A"]) }
            let b = (1...4).map { task("b\($0)", fields: ["concurrencyKey": "B"]) }
            try await q.submit("r1", a + b, limits: [:])
            #expect(try await q.claimExactly(8).map(\.ref.taskID) == ["a1", "b1", "a2", "b2", "a3", "b3", "a4", "b4"])
        }
    }

    /// A's 100 tasks count as queued over 10 s; B's, queued a moment later (real time passes
    /// between the calls, more on a loaded machine), come before A's tail.
    @Test func aKeyQueuedLaterStillTakesTurnsWithABacklogQueuedBefore() async throws {
        try await withQueue { q throws in
            let backlog = (1...100).map { "a\($0)" }
            try await q.submit("r1", backlog.map { task($0, fields: ["concurrencyKey": "A"]) }, limits: [:])
            try await q.submit("r2", (1...2).map { task("b\($0)", fields: ["concurrencyKey": "B"]) }, limits: [:])
            let order = try await q.claimExactly(102).map(\.ref.taskID)
            #expect(order.filter { $0.hasPrefix("a") } == backlog)
            let b1 = try #require(order.firstIndex(of: "b1")), b2 = try #require(order.firstIndex(of: "b2"))
            #expect(b1 < b2 && b2 < 70, "\(order)")
        }
    }

    @Test func tasksWithoutAKeyKeepTheirOrderAndCreateNoFairnessKeys() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("x"), task("y"), task("z")], limits: [:])
            #expect(try await q.claimExactly(3).map(\.ref.taskID) == ["x", "y", "z"])
            let keys = try await q.redis.send("KEYS", "qt:fair:*").array ?? []
            #expect(keys.isEmpty)
        }
    }

    @Test func theKeysVirtualTimeExpires() async throws {
        try await withQueue { q throws in
            // A backlog of 100 spreads 10 s ahead of now: the key lives 1 s past that, no longer.
            let backlog = (0..<100).map { task("a\($0)", fields: ["concurrencyKey": "A"]) }
            try await q.submit("r1", backlog, limits: [:])
            let ttl = try await q.redis.send("PTTL", "qt:fair:A").int ?? -2
            #expect(ttl > 0 && ttl <= 11_000, "\(ttl)")
        }
    }

    @Test func dependentsReleasedTogetherRotateBetweenKeys() async throws {
        try await withQueue { q throws in
            let leaves = ["a1", "a2", "a3", "b1", "b2", "b3"]
            var tasks = [task("root", before: leaves)]
            for leaf in leaves {
                tasks.append(task(leaf, after: ["root"], fields: ["concurrencyKey": String(leaf.prefix(1))]))
            }
            try await q.submit("r1", tasks, limits: [:])
            try await q.succeed(try q.claimExactly(1)[0])
            try await q.applyAll()
            #expect(try await q.claimExactly(6).map(\.ref.taskID) == ["a1", "b1", "a2", "b2", "a3", "b3"])
        }
    }

    @Test func retriedTasksRotateBetweenKeys() async throws {
        try await withQueue { q throws in
            let ids = ["a1", "a2", "b1", "b2"]
            try await q.submit("r1", ids.map { task($0, maxAttempts: 2, fields: ["concurrencyKey": String($0.prefix(1))]) }, limits: [:])
            for claimed in try await q.claimExactly(4) { try await q.fail(claimed, retryDelay: .seconds(1)) }
            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.promoteDelayed(fence: q.fence).promoted == 4)
            #expect(try await q.claimExactly(4).map(\.ref.taskID) == ["a1", "b1", "a2", "b2"])
        }
    }

    @Test func anUnparkedTaskKeepsItsPlace() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("first"), task("second"), task("third")], limits: ["run": 1])
            let first = try await q.claimExactly(1)
            // `second` and `third` park (the run is full); `late` comes after them.
            #expect(try await q.claim(2).isEmpty)
            q.clock.advance(by: .seconds(1))
            try await q.submit("r2", [task("late")], limits: [:])
            try await q.succeed(first[0])
            #expect(try await q.claimExactly(2).map(\.ref.taskID) == ["second", "late"])
        }
    }
}
