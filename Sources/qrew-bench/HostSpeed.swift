import Foundation
import QrewRedis

/// The host's speed as issue 17 asks every figure to be read against: `redis-benchmark -c 1`
/// PING round trips per second on a private redis-server (one client, no pipelining), in the
/// same run as the figures, since the shared machine's load moves both.
enum HostSpeed {
    static func run() async throws -> [BenchmarkFigure] {
        guard let tool = ChildCommand.find("redis-benchmark") else {
            print("host speed: skipped (no redis-benchmark on PATH; it comes with redis-server's package, redis-tools)")
            return []
        }
        let server = try await RedisServerProcess.start(options: RedisServerOptions())
        let output: String
        do {
            output = try await ChildCommand.output(
                of: tool, ["-h", "127.0.0.1", "-p", String(server.port), "-c", "1", "-n", "100000", "-t", "ping", "--csv"],
                requireSuccess: true)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        guard let rate = pingRate(csv: output) else {
            print("host speed: skipped (could not read redis-benchmark's output: \(output.prefix(200)))")
            return []
        }
        return [BenchmarkFigure(
            name: "host speed: redis-benchmark -c 1, PING", value: rate, unit: "PING/s",
            note: "one client, no pipelining, private redis-server; issue 17's reference host: ~33,000", key: "host")]
    }

    /// The `PING_MBULK` rate (requests per second) of `redis-benchmark --csv` output, or nil.
    static func pingRate(csv: String) -> Double? {
        for line in csv.split(separator: "\n") {
            let cells = line.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) }
            if cells.count >= 2, cells[0] == "PING_MBULK", let rate = Double(cells[1]) { return rate }
        }
        return nil
    }
}
