import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

@Suite("cancel_run and acquire_leadership")
struct CancelRunTests {
    @Test func cancelEndsEveryUnfinishedTaskAndAnnouncesRunningOnes() async throws {
        try await withRedisServer { server in
            let configuration = try testConfiguration(for: server)
            let subscriber = try RedisSubscriber(configuration: configuration)
            defer { subscriber.close() }
            try await subscriber.subscribe(["qt:cancellations"])
            let redis = RedisClient(configuration: configuration)
            defer { redis.close() }
            let queue = QueueClient(redis: redis, keys: Keys(prefix: "qt"), scripts: try ScriptLibrary.bundled.get())
            let fence = try #require(try await queue.acquireLeadership(coordinatorID: "c", lease: .seconds(60)))
            let record = RunRecord(runID: "r1", fields: [:], limits: [:], tasks: [task("a", before: ["b"]), task("b", after: ["a"]), task("c")])
            _ = try await queue.submitRun(record, fence: fence)
            let running = try #require(try await queue.claim(worker: "w", lease: .seconds(30), max: 1, queues: ["default"]).first)

            #expect(try await queue.cancelRun("r1", reason: "by user") == 3)
            #expect(try await queue.cancelRun("r1", reason: "again") == 0)
            #expect(try await queue.cancelRun("nope", reason: "x") == nil)
            #expect(try await redis.send("HGET", "qt:run:r1", "state").string == "canceled")
            #expect(try await redis.send("ZCARD", "qt:queue:default:ready").int == 0)
            let message = await subscriber.messages.first { _ in true }
            #expect(message?.text == running.ref.description)
            #expect(try await queue.complete(running, outcome: .succeeded, exitCode: 0, output: "", error: nil, retryDelay: nil) == false)
        }
    }

    @Test func aCanceledRunKeepsTheRetentionItWasStoredWith() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b")], fields: ["retention": "60000"])
            #expect(try await q.queue.cancelRun("r1", reason: "user") == 2)
            let ttl = try await q.redis.send("PTTL", .string(q.queue.keys.run("r1"))).int ?? -1
            #expect(ttl > 50_000 && ttl <= 60_000, "PTTL \(ttl)")
        }
    }

    @Test func aCoordinatorIDThatPrefixesAnotherDoesNotShareItsLeadership() async throws {
        try await withRedisServer { server in
            let redis = RedisClient(configuration: try testConfiguration(for: server))
            defer { redis.close() }
            let queue = QueueClient(redis: redis, keys: Keys(prefix: "qt"), scripts: try ScriptLibrary.bundled.get())
            let leader = try #require(try await queue.acquireLeadership(coordinatorID: "host:1", lease: .seconds(60)))
            #expect(leader.hasPrefix("host:1:"))
            #expect(try await queue.acquireLeadership(coordinatorID: "host", lease: .seconds(60)) == nil)
            #expect(try await queue.acquireLeadership(coordinatorID: "host:", lease: .seconds(60)) == nil)
            #expect(try await queue.acquireLeadership(coordinatorID: "host:1", lease: .seconds(60)) == leader)
        }
    }

    @Test func oneLeaderAtATimeAndANewFenceOnTakeover() async throws {
        try await withQueue { q throws in
            let other = try await q.queue.acquireLeadership(coordinatorID: "other", lease: .seconds(1))
            #expect(other == nil)
            #expect(try await q.queue.acquireLeadership(coordinatorID: "test", lease: .milliseconds(50)) == q.fence)
            try await Task.sleep(for: .milliseconds(120))
            let taken = try #require(try await q.queue.acquireLeadership(coordinatorID: "other", lease: .seconds(5)))
            #expect(taken != q.fence && taken.hasPrefix("other:"))
            await #expect(throws: QueueError.self) {
                try await q.queue.promoteDelayed(fence: q.fence)
            }
        }
    }
}
