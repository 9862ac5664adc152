import Foundation
import QrewRedis

/// A primary, one replica and three sentinels on loopback, as real processes: what a
/// `redis-sentinel://` URL points at in the failover tests. Sentinels discover the replica and
/// each other through INFO and hello messages; `waitUntilReady` holds until they have, since a
/// primary killed before that is never failed over.
final class SentinelGroup: @unchecked Sendable {
    /// The name the sentinels monitor the primary under.
    static let primaryName = "qrewprimary"

    let primary: RedisServerProcess
    let replica: RedisServerProcess
    let sentinelPorts: [Int]
    private let sentinels: [SpawnedProcess]
    private let directory: String

    private init(
        primary: RedisServerProcess, replica: RedisServerProcess, sentinelPorts: [Int], sentinels: [SpawnedProcess],
        directory: String
    ) {
        self.primary = primary
        self.replica = replica
        self.sentinelPorts = sentinelPorts
        self.sentinels = sentinels
        self.directory = directory
    }

    /// `redis-sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/qrewprimary`.
    var url: String {
        "redis-sentinel://" + sentinelPorts.map { "127.0.0.1:\($0)" }.joined(separator: ",") + "/\(Self.primaryName)"
    }

    /// Starts the primary, a replica of it (waiting until it is in sync) and three sentinels
    /// (quorum 2, primary down after 1 s, failover timeout 5 s).
    static func start() async throws -> SentinelGroup {
        // The replica's full sync starts at once instead of after the default 5 s.
        let primary = try await RedisServerProcess.start(
            options: RedisServerOptions(extraArguments: ["--repl-diskless-sync-delay", "0"]))
        let replica = try await RedisServerProcess.start(
            options: RedisServerOptions(extraArguments: ["--replicaof", "127.0.0.1", String(primary.port)]))
        let replicaClient = RedisClient(configuration: try testConfiguration(port: replica.port), poolSize: 1)
        defer { replicaClient.close() }
        try await waitFor("the replica to sync with the primary", timeout: .seconds(15)) {
            let info = try? await replicaClient.send("INFO", "replication").string
            return info?.contains("master_link_status:up") == true
        }
        let directory = try temporaryDirectory()
        var ports: [Int] = []
        var sentinels: [SpawnedProcess] = []
        for index in 1...3 {
            let (sentinel, port) = try launchSentinel(monitoring: primary.port, quorum: 2, directory: directory, index: index)
            sentinels.append(sentinel)
            ports.append(port)
        }
        return SentinelGroup(primary: primary, replica: replica, sentinelPorts: ports, sentinels: sentinels, directory: directory)
    }

    /// Starts one sentinel on a free port watching the primary at `primaryPort` as
    /// `primaryName` (down after 1 s, failover timeout 5 s); returns it and its port.
    static func launchSentinel(
        monitoring primaryPort: Int, quorum: Int, directory: String, index: Int
    ) throws -> (SpawnedProcess, Int) {
        let port = try RedisServerProcess.freeLoopbackPort()
        let config = "\(directory)/sentinel-\(index).conf"
        try """
            port \(port)
            bind 127.0.0.1
            daemonize no
            dir \(directory)
            sentinel monitor \(primaryName) 127.0.0.1 \(primaryPort) \(quorum)
            sentinel down-after-milliseconds \(primaryName) 1000
            sentinel failover-timeout \(primaryName) 5000

            """.write(toFile: config, atomically: true, encoding: .utf8)
        guard let executable = SpawnedProcess.findExecutable("redis-server") else {
            throw SentinelGroupError(description: "redis-server not found on PATH")
        }
        let sentinel = try SpawnedProcess(
            executable: executable, arguments: [config, "--sentinel"], logPath: "\(directory)/sentinel-\(index).log")
        return (sentinel, port)
    }

    /// Waits until every sentinel sees the replica and the two other sentinels.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        for port in sentinelPorts {
            let client = RedisClient(configuration: try Self.testConfiguration(port: port), poolSize: 1)
            defer { client.close() }
            try await Self.waitFor("sentinel :\(port) to see the replica and 2 other sentinels\n\(logs)", timeout: timeout) {
                guard let fields = try? await client.send("SENTINEL", "master", .string(Self.primaryName)).array else {
                    return false
                }
                let pairs = stride(from: 0, to: fields.count - 1, by: 2).reduce(into: [String: String]()) { map, index in
                    if let key = fields[index].string { map[key] = fields[index + 1].string }
                }
                return Int(pairs["num-slaves"] ?? "") ?? 0 >= 1 && Int(pairs["num-other-sentinels"] ?? "") ?? 0 >= 2
            }
        }
    }

    /// The port every sentinel names as the primary's now, or nil while they disagree.
    func agreedPrimaryPort() async -> Int? {
        var seen: Set<Int> = []
        for port in sentinelPorts {
            guard let configuration = try? Self.testConfiguration(port: port) else { return nil }
            let client = RedisClient(configuration: configuration, poolSize: 1)
            defer { client.close() }
            guard let address = try? await client.send("SENTINEL", "get-master-addr-by-name", .string(Self.primaryName)).array,
                  address.count == 2, let named = address[1].string.flatMap({ Int($0) })
            else { return nil }
            seen.insert(named)
        }
        return seen.count == 1 ? seen.first : nil
    }

    /// The sentinels' log tails, for a failing expectation.
    var logs: String {
        sentinels.map { "--- \($0.logPath)\n\($0.logTail(lines: 12))" }.joined(separator: "\n")
    }

    /// Stops the sentinels and both servers.
    func stop() async {
        for sentinel in sentinels { await sentinel.terminate(grace: .seconds(3)) }
        await replica.stop()
        await primary.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func testConfiguration(port: Int) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: "redis://127.0.0.1:\(port)")
        configuration.connectTimeout = .seconds(2)
        configuration.commandTimeout = .seconds(5)
        return configuration
    }

    /// Polls `condition` every 50 ms until it holds; throws naming `what` after `timeout`.
    static func waitFor(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw SentinelGroupError(description: "timed out after \(timeout) waiting for \(what)")
    }
}

/// The sentinel group did not reach a state in time.
struct SentinelGroupError: Error, CustomStringConvertible {
    let description: String
}

/// Runs `body` with a started and ready sentinel group; stops every process after.
func withSentinelGroup(_ body: (SentinelGroup) async throws -> Void) async throws {
    let group = try await SentinelGroup.start()
    do {
        try await group.waitUntilReady()
        try await body(group)
    } catch {
        await group.stop()
        throw error
    }
    await group.stop()
}
