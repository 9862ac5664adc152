import Foundation
import Glibc
import QrewRedis
import QrewTestSupport
import Testing
@testable import QrewQueue
@testable import QrewWorker

/// The bytes a crashing worker's signal handler writes, checked against a real redis-server:
/// the handler itself can only be exercised by crashing a process (QctlTests/QuarantineTests).
@Suite("crash report command")
struct CrashReportCommandTests {
    @Test func theHandlersBytesAreOneRecordCrashCallThatCountsTheCrash() async throws {
        try await withRedisServer { server in
            let redis = RedisClient(configuration: try testConfiguration(for: server))
            defer { redis.close() }
            _ = try await redis.send("HSET", "qt:task:r1/deploy[region=eu]", "token", "7")
            _ = try await redis.send("HSET", "qt:task:r1/b", "token", "8")
            let script = try ScriptLibrary.bundled.get()[.recordCrash].source
            let head = CrashReportCommand.head(script: script, prefix: "qt", name: "w1")
            let blamed = CrashReportCommand.blamed([
                ("r1/deploy[region=eu]", "7"), ("r1/b", "stale"),
            ])
            let block = CrashReportBlock.make(blamed, count: 2)
            defer { block.deallocate() }
            #expect(Array(block.bytes) == blamed && block.count == 2)
            let command = CrashReportCommand.whole(head: head, signal: SIGSEGV, blamed: Array(block.bytes), count: block.count)

            let reply = try Self.writeRaw(command, configuration: try testConfiguration(for: server))
            #expect(reply == ":1\r\n")
            #expect(try await redis.send("HGET", "qt:task:r1/deploy[region=eu]", "crashes").string == "1")
            #expect(try await redis.send("HGET", "qt:task:r1/deploy[region=eu]", "crash").string == "worker w1 crashed (SIGSEGV)")
            #expect(try await redis.send("HGET", "qt:task:r1/b", "crashes").string == nil)
        }
    }

    @Test func anAttributionIsTheCurrentTasksUntilItEnds() async {
        let claimed = ClaimedTask(ref: TaskRef(runID: "r1", taskID: "a"), token: "9", attempt: 1, spec: "{}", outputs: [:])
        let attribution = CrashAttribution(claimed)
        #expect(CrashAttribution.current == nil)
        await CrashAttribution.$current.withValue(attribution) {
            let inherited = await Task { CrashAttribution.current }.value
            #expect(inherited === attribution && attribution.isActive)
        }
        attribution.end()
        #expect(!attribution.isActive)
        #expect(Array(attribution.block.bytes) == CrashReportCommand.blamed([(claimed.ref.description, "9")]))
    }

    /// Writes `bytes` to a fresh authenticated connection's socket, as the handler does, and
    /// reads the reply.
    private static func writeRaw(_ bytes: [UInt8], configuration: RedisConfiguration) throws -> String {
        let connection = RedisConnection(configuration: configuration)
        defer { connection.close() }
        let socket = try connection.socketDescriptor()
        let sent = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        #expect(sent == bytes.count)
        var reply = [UInt8](repeating: 0, count: 64)
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 2000) > 0 else { return "" }
        let count = reply.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        return String(decoding: reply.prefix(max(count, 0)), as: UTF8.self)
    }
}
