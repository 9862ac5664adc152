import QrewRedis
import QrewTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RedisSubscriberTests {
    /// Collects `count` messages, closing the subscriber after `timeout` so a lost message
    /// fails the test instead of hanging it.
    private func collect(
        _ count: Int, from subscriber: RedisSubscriber, timeout: Duration = .seconds(5)
    ) async -> [RedisPubSubMessage] {
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            subscriber.close()
        }
        defer { watchdog.cancel() }
        var received: [RedisPubSubMessage] = []
        for await message in subscriber.messages {
            received.append(message)
            if received.count == count { break }
        }
        return received
    }

    @Test func channelAndPatternDelivery() async throws {
        try await withRedisServer { server in
            let configuration = try testConfiguration(for: server)
            let subscriber = try RedisSubscriber(configuration: configuration)
            defer { subscriber.close() }
            let client = RedisClient(configuration: configuration)
            defer { client.close() }

            try await subscriber.subscribe(["run:1"])
            try await subscriber.psubscribe(["task:*"])
            let binary: [UInt8] = [0, 13, 10, 255]
            #expect(try await client.send("PUBLISH", "run:1", .bytes(binary)) == .integer(1))
            #expect(try await client.send("PUBLISH", "task:42", "done") == .integer(1))
            #expect(try await client.send("PUBLISH", "elsewhere", "x") == .integer(0))

            let received = await collect(2, from: subscriber)
            #expect(received == [
                RedisPubSubMessage(channel: "run:1", pattern: nil, payload: binary),
                RedisPubSubMessage(channel: "task:42", pattern: "task:*", payload: Array("done".utf8)),
            ])
        }
    }

    @Test func unsubscribeStopsDelivery() async throws {
        try await withRedisServer { server in
            let configuration = try testConfiguration(for: server)
            let subscriber = try RedisSubscriber(configuration: configuration)
            defer { subscriber.close() }
            let publisher = RedisConnection(configuration: configuration)
            try await subscriber.subscribe(["a", "b"])
            try await subscriber.unsubscribe(["a"])
            #expect(try publisher.send("PUBLISH", "a", "1") == .integer(0))
            #expect(try publisher.send("PUBLISH", "b", "2") == .integer(1))
            #expect(await collect(1, from: subscriber).map(\.text) == ["2"])
            try await subscriber.unsubscribe()
            try await subscriber.punsubscribe()
            #expect(try publisher.send("PUBLISH", "b", "3") == .integer(0))
        }
    }

    @Test func closeEndsTheStreamPromptly() async throws {
        try await withRedisServer { server in
            let subscriber = try RedisSubscriber(configuration: try testConfiguration(for: server))
            try await subscriber.subscribe(["quiet"])
            let start = ContinuousClock.now
            let ender = Task { for await _ in subscriber.messages {} }
            try await Task.sleep(for: .milliseconds(50))
            subscriber.close()
            await ender.value
            // Promptly, not after a read timeout: the bound leaves room for a loaded machine.
            #expect(ContinuousClock.now - start < .seconds(5))
            let error = await #expect(throws: RedisError.self) { try await subscriber.subscribe(["late"]) }
            #expect(error?.code == .connectionClosed)
        }
    }

    @Test func subscriptionsSurviveAServerRestart() async throws {
        try await withRedisServer { server in
            let configuration = try testConfiguration(for: server)
            let subscriber = try RedisSubscriber(configuration: configuration)
            defer { subscriber.close() }
            try await subscriber.subscribe(["events"])
            await server.kill()
            try await server.start()
            let publisher = RedisConnection(configuration: configuration)
            let deadline = ContinuousClock.now + .seconds(5)
            while try publisher.send("PUBLISH", "events", "back") == .integer(0), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(await collect(1, from: subscriber).map(\.text) == ["back"])
        }
    }
}
