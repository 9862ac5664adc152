import QrewRedis
import QrewTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RedisClientTests {
    /// With and without the idle spin (qctl's clients have none): a thread asleep on its
    /// condition is woken by every submitted call.
    @Test(arguments: [Duration.microseconds(50), .zero])
    func manyConcurrentCallersGetTheRightTotal(idleSpin: Duration) async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try testConfiguration(for: server), idleSpin: idleSpin)
            defer { client.close() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<200 {
                    group.addTask { _ = try await client.send("INCR", "total") }
                }
                try await group.waitForAll()
            }
            #expect(try await client.send("GET", "total").int == 200)
        }
    }

    /// One caller's commands one after another, each sent after the last reply, with the
    /// connection's thread asleep between them when it does not spin.
    @Test func sequentialCallsWithoutTheIdleSpin() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try testConfiguration(for: server), poolSize: 1, idleSpin: .zero)
            defer { client.close() }
            for expected in 1...100 {
                #expect(try await client.send("INCR", "counter").int == expected)
                try await Task.sleep(for: .microseconds(200))
            }
            #expect(try await client.pipeline([["GET", "counter"], ["DEL", "counter"]]) == [.bulk(Array("100".utf8)), .integer(1)])
        }
    }

    /// A command announced with `expectCommand(within:)` is served whether it comes within the
    /// window or after it has lapsed, alone or among concurrent callers that announce theirs too;
    /// and a client closed while a thread spins for one refuses calls as usual.
    @Test(arguments: [Duration.microseconds(50), .zero])
    func announcedCommandsAreServedInOrAfterTheirWindow(idleSpin: Duration) async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try testConfiguration(for: server), poolSize: 2, idleSpin: idleSpin)
            for round in 1...40 {
                client.expectCommand(within: .microseconds(300))
                // every other command comes after its window (and the idle spin) have passed
                if round.isMultiple(of: 2) { try await Task.sleep(for: .milliseconds(2)) }
                #expect(try await client.send("INCR", "sequential").int == round)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        client.expectCommand(within: .milliseconds(1))
                        _ = try await client.send("INCR", "concurrent")
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await client.send("GET", "concurrent").int == 100)
            client.expectCommand(within: .milliseconds(1))
            client.close()
            await #expect(throws: RedisError.self) { try await client.send("PING") }
        }
    }

    @Test func pipelineAndWithConnection() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try testConfiguration(for: server), poolSize: 2)
            defer { client.close() }
            let replies = try await client.pipeline([["SET", "a", 1], ["INCR", "a"], ["GET", "a"]])
            #expect(replies == [.status("OK"), .integer(2), .bulk(Array("2".utf8))])
            let exec = try await client.withConnection { connection throws(RedisError) in
                _ = try connection.send("MULTI")
                _ = try connection.send("INCR", "a")
                _ = try connection.send("INCR", "a")
                return try connection.send("EXEC")
            }
            #expect(exec == .array([.integer(3), .integer(4)]))
        }
    }

    @Test func blockingPopTimesOutWithNull() async throws {
        try await withRedisServer { server in
            var configuration = try testConfiguration(for: server)
            // Shorter than the block time: blocking calls must raise the socket timeout.
            configuration.commandTimeout = .milliseconds(300)
            let client = RedisClient(configuration: configuration)
            defer { client.close() }
            let start = ContinuousClock.now
            #expect(try await client.blocking(["BLPOP", "empty", 1], timeout: .seconds(1)) == .null)
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(3))
            #expect(try await client.send("PING") == .status("PONG"))
        }
    }

    @Test(arguments: [Duration.microseconds(50), .zero])
    func blockingPopIsServedByAPushPromptly(idleSpin: Duration) async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try testConfiguration(for: server), idleSpin: idleSpin)
            defer { client.close() }
            let start = ContinuousClock.now
            // A block of 60 s served by the push, not by its timeout: the bound only has to tell
            // the two apart, with room for a loaded machine.
            async let popped = client.blocking(["BLPOP", "jobs", 60], timeout: .seconds(60))
            try await Task.sleep(for: .milliseconds(100))
            _ = try await client.send("RPUSH", "jobs", "job-1")
            #expect(try await popped == .array([.bulk(Array("jobs".utf8)), .bulk(Array("job-1".utf8))]))
            #expect(ContinuousClock.now - start < .seconds(30))
        }
    }

    @Test func socketTimeoutThrowsAndTheNextCallReconnects() async throws {
        try await withRedisServer { server in
            var configuration = try testConfiguration(for: server)
            configuration.commandTimeout = .milliseconds(200)
            let connection = RedisConnection(configuration: configuration)
            let error = #expect(throws: RedisError.self) { try connection.send("BLPOP", "empty", 2) }
            #expect(error?.code == .timeout)
            #expect(connection.isConnected == false)
            #expect(try connection.send("PING") == .status("PONG"))
        }
    }

    @Test func serverKilledMidCallThrowsAndTheClientRecoversAfterRestart() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try testConfiguration(for: server), poolSize: 2)
            defer { client.close() }
            _ = try await client.pipeline([["PING"], ["PING"]])
            let blocked = Task { try await client.blocking(["BLPOP", "never", 20], timeout: .seconds(20)) }
            try await Task.sleep(for: .milliseconds(100))
            await server.kill()
            let midCall = await #expect(throws: RedisError.self) { try await blocked.value }
            #expect(midCall?.isConnectionError == true)
            let whileDown = await #expect(throws: RedisError.self) { try await client.send("PING") }
            #expect(whileDown?.code == .connectionFailed)

            try await server.start()
            for _ in 0..<4 {
                #expect(try await client.send("PING") == .status("PONG"))
            }
            #expect(try await client.blocking(["BLPOP", "never", 1], timeout: .seconds(1)) == .null)
        }
    }

    @Test func closedClientRefusesCalls() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try testConfiguration(for: server))
            client.close()
            let error = await #expect(throws: RedisError.self) { try await client.send("PING") }
            #expect(error?.code == .connectionClosed)
        }
    }
}
