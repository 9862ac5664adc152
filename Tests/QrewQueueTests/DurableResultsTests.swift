import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// `complete(_:durability:)` (`--durable-results`): the result is recorded, then `WAIT` on the
/// same connection reports how many replicas hold it; with none, after the timeout, the result
/// stays recorded on the primary.
@Suite("complete with durable results (WAIT)")
struct DurableResultsTests {
    @Test func withoutAReplicaTheResultIsRecordedAndNoReplicaAcknowledges() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            let a = try #require(try await q.claim(1).first)
            let started = ContinuousClock.now
            let (reply, acknowledged) = try await q.queue.complete(
                [TaskCompletion(task: a, outcome: .succeeded, exitCode: 0, output: "ok", error: nil, retryDelay: nil)],
                durability: ResultDurability(timeout: .milliseconds(200)))
            #expect(reply.statuses.count == 1)
            #expect(reply.statuses.first != .stale)
            #expect(acknowledged == 0)
            #expect(ContinuousClock.now - started >= .milliseconds(150), "WAIT waited out its timeout")
            #expect(try await q.state("r1", "a") == "succeeded")
        }
    }

    @Test func aReplicaAcknowledgesAndHoldsTheResult() async throws {
        try await withQueue { q throws in
            let primaryPort = try #require(q.redis.configuration.endpoint.port)
            // Start the replica's full sync at once instead of after the default 5 s.
            _ = try await q.redis.send("CONFIG", "SET", "repl-diskless-sync-delay", "0")
            let replica = try await RedisServerProcess.start(
                options: RedisServerOptions(extraArguments: ["--replicaof", "127.0.0.1", String(primaryPort)]))
            let replicaClient = RedisClient(configuration: try testConfiguration(for: replica), poolSize: 1)
            defer { replicaClient.close() }
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline,
                  try await replicaClient.send("INFO", "replication").string?.contains("master_link_status:up") != true {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await q.submit("r1", [task("a")])
            let a = try #require(try await q.claim(1).first)
            let (reply, acknowledged) = try await q.queue.complete(
                [TaskCompletion(task: a, outcome: .succeeded, exitCode: 0, output: "ok", error: nil, retryDelay: nil)],
                durability: ResultDurability(timeout: .seconds(5)))
            #expect(reply.statuses.first != .stale)
            #expect(acknowledged == 1)
            // Acknowledged means on the replica now, not eventually.
            #expect(try await replicaClient.send("HGET", .string(q.queue.keys.task(a.ref)), "state").string == "succeeded")
            await replica.stop()
        }
    }
}

extension RedisConfiguration.Endpoint {
    /// The TCP port, for a test that starts a replica of its server.
    fileprivate var port: Int? {
        if case .tcp(_, let port) = self { return port }
        return nil
    }
}
