import Foundation
import QrewRedis
import QrewTestSupport
import Testing

/// How a `redis-sentinel://` connection reacts when the server it reached stops being the
/// primary, against one real sentinel: a `READONLY` reply drops the connection (a connection
/// error, so callers retry), a connect to a server that Sentinel still names but that is a
/// replica is refused by the `ROLE` check, and an unknown primary name or no reachable sentinel
/// says so.
@Suite("Sentinel connections (real redis-server and sentinel)", .serialized)
struct SentinelConnectionTests {
    @Test(.timeLimit(.minutes(1)))
    func aDemotedPrimaryIsLeftAndRefusedUntilItIsPrimaryAgain() async throws {
        let primary = try await RedisServerProcess.start()
        let other = try await RedisServerProcess.start()
        let directory = try temporaryDirectory()
        let (sentinel, sentinelPort) = try SentinelGroup.launchSentinel(
            monitoring: primary.port, quorum: 1, directory: directory, index: 1)
        defer { kill(sentinel.pid, SIGKILL) }
        var configuration = try RedisConfiguration(
            url: "redis-sentinel://127.0.0.1:\(sentinelPort)/\(SentinelGroup.primaryName)")
        configuration.connectTimeout = .seconds(2)
        configuration.commandTimeout = .seconds(5)
        let client = RedisClient(configuration: configuration, poolSize: 1)
        defer { client.close() }
        try await SentinelGroup.waitFor("a write through the sentinel\n\(sentinel.logTail())", timeout: .seconds(15)) {
            (try? await client.send("SET", "k", "1")) != nil
        }
        let direct = RedisClient(configuration: try SentinelGroup.testConfiguration(port: primary.port), poolSize: 1)
        defer { direct.close() }
        #expect(try await direct.send("GET", "k").string == "1")

        // Demoted behind the client's back: the open connection gets READONLY.
        _ = try await direct.send("REPLICAOF", "127.0.0.1", .int(other.port))
        let readOnly = await #expect(throws: RedisError.self) { try await client.send("SET", "k", "2") }
        #expect(readOnly?.isConnectionError == true)
        #expect(readOnly?.message.contains("no longer the primary") == true, "\(readOnly?.message ?? "")")
        // The sentinel still names it: the reconnect's ROLE check refuses it.
        let refused = await #expect(throws: RedisError.self) { try await client.send("SET", "k", "3") }
        #expect(refused?.code == .connectionFailed)
        #expect(refused?.message.contains("a failover is under way") == true, "\(refused?.message ?? "")")

        // Primary again: the next call connects and writes.
        _ = try await direct.send("REPLICAOF", "NO", "ONE")
        _ = try await client.send("SET", "k", "4")
        #expect(try await direct.send("GET", "k").string == "4")
        await sentinel.terminate()
        await other.stop()
        await primary.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func noSentinelOrAnUnknownNameIsAConnectionFailureNamingEachSentinel() async throws {
        let primary = try await RedisServerProcess.start()
        let directory = try temporaryDirectory()
        let (sentinel, sentinelPort) = try SentinelGroup.launchSentinel(
            monitoring: primary.port, quorum: 1, directory: directory, index: 1)
        defer { kill(sentinel.pid, SIGKILL) }
        let deadPort = try RedisServerProcess.freeLoopbackPort()
        var configuration = try RedisConfiguration(
            url: "redis-sentinel://127.0.0.1:\(deadPort),127.0.0.1:\(sentinelPort)/nosuchprimary")
        configuration.connectTimeout = .seconds(2)
        let connection = RedisConnection(configuration: configuration)
        try await SentinelGroup.waitFor("the sentinel to answer", timeout: .seconds(15)) {
            let probe = RedisConnection(configuration: try SentinelGroup.testConfiguration(port: sentinelPort))
            defer { probe.close() }
            return (try? probe.send("PING")) != nil
        }
        let error = #expect(throws: RedisError.self) { try connection.send("PING") }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("127.0.0.1:\(deadPort)") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("does not know a primary named \"nosuchprimary\"") == true, "\(error?.message ?? "")")
        await sentinel.terminate()
        await primary.stop()
    }
}
