import Foundation
import QrewRedis

/// Measures what one Redis round trip costs through each layer of our client, against
/// `redis-benchmark -c 1` on the same server as the yardstick.
enum RedisRoundTripBenchmark {
    static func run(server: RedisServerProcess, seconds: Double) async throws -> [BenchmarkFigure] {
        let configuration = try RedisConfiguration(url: server.url)
        let duration = Duration.milliseconds(Int(seconds * 1000))

        let reference = try await redisBenchmarkPing(server: server, requests: max(10_000, Int(seconds * 30_000)))
        let sync = await onThread { [configuration] in measureSync(configuration, duration) }
        let client = RedisClient(configuration: configuration, poolSize: 1)
        defer { client.close() }
        let async = try await measureAsync(client, duration)
        let pipelined = try await measurePipelined(client, duration, depth: 16)

        func share(_ value: Double) -> String {
            guard let reference else { return "redis-benchmark not found on PATH, no reference" }
            return String(format: "%.0f%% of redis-benchmark -c 1", value / reference * 100)
        }
        var figures: [BenchmarkFigure] = []
        if let reference {
            figures.append(BenchmarkFigure(
                name: "redis_benchmark_ping_mbulk", value: reference, unit: "requests/s",
                note: "redis-benchmark -c 1 -t ping (PING_MBULK), the reference"))
        } else {
            figures.append(BenchmarkFigure(
                name: "redis_benchmark_ping_mbulk", value: 0, unit: "requests/s",
                note: "redis-benchmark not found on PATH (apt-get install redis-tools)"))
        }
        figures.append(BenchmarkFigure(
            name: "redis_connection_sync_ping", value: sync, unit: "round trips/s",
            note: "RedisConnection, one thread, unpipelined; \(share(sync))"))
        figures.append(BenchmarkFigure(
            name: "redis_client_async_ping", value: async, unit: "round trips/s",
            note: "RedisClient, one awaiting caller, unpipelined; \(share(async))"))
        figures.append(BenchmarkFigure(
            name: "redis_client_pipeline16_ping", value: pipelined, unit: "commands/s",
            note: "RedisClient, 16-command pipelines; \(share(pipelined))"))
        return figures
    }

    private static func measureSync(_ configuration: RedisConfiguration, _ duration: Duration) -> Double {
        let connection = RedisConnection(configuration: configuration)
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while clock.now - start < duration {
            guard (try? connection.send(["PING"])) != nil else { return 0 }
            count += 1
        }
        return Double(count) / (clock.now - start).inSeconds
    }

    private static func measureAsync(_ client: RedisClient, _ duration: Duration) async throws -> Double {
        _ = try await client.send("PING")
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while clock.now - start < duration {
            _ = try await client.send(["PING"])
            count += 1
        }
        return Double(count) / (clock.now - start).inSeconds
    }

    private static func measurePipelined(_ client: RedisClient, _ duration: Duration, depth: Int) async throws -> Double {
        let batch: [[RedisArgument]] = Array(repeating: ["PING"], count: depth)
        let clock = ContinuousClock()
        let start = clock.now
        var count = 0
        while clock.now - start < duration {
            count += try await client.pipeline(batch).count
        }
        return Double(count) / (clock.now - start).inSeconds
    }

    /// Runs `redis-benchmark -c 1 -t ping -q` and returns its PING_MBULK requests/s, or nil if
    /// the tool is missing.
    private static func redisBenchmarkPing(server: RedisServerProcess, requests: Int) async throws -> Double? {
        guard let path = ChildCommand.find("redis-benchmark") else { return nil }
        var arguments = ["-h", "127.0.0.1", "-p", String(server.port), "-c", "1", "-n", String(requests), "-t", "ping", "-q"]
        if let password = server.options.requirePassword { arguments += ["-a", password, "--no-auth-warning"] }
        let text = try await ChildCommand.output(of: path, arguments)
        // -q prints "PING_MBULK: 31746.03 requests per second, p50=..." after \r progress lines.
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) where line.hasPrefix("PING_MBULK:") {
            let number = line.dropFirst("PING_MBULK:".count).split(separator: " ").first
            if let number, let value = Double(number) { return value }
        }
        throw RedisError(.serverProcess, "cannot read PING_MBULK from redis-benchmark output: \(text.suffix(300))")
    }

    /// Runs blocking work on its own thread, never on the cooperative pool.
    private static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }
}

extension Duration {
    fileprivate var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
