import CHiredis
@testable import QrewRedis
import QrewTestSupport
import Testing

/// A connection keeps its hiredis read buffer between replies up to `keptReadBuffer` (a worker's
/// claim replies are tens of KiB: freeing and growing it again each call cost CPU), and replies
/// of every size still come back whole around it.
@Suite(.timeLimit(.minutes(1)))
struct RedisReadBufferTests {
    @Test func theReadBufferIsKeptUpToAMebibyteAndRepliesOfAnySizeRoundTrip() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try testConfiguration(for: server))
            _ = try connection.send("PING")
            let context = try connection.liveContext()
            #expect(context.pointee.reader.pointee.maxbuf == RedisConnection.keptReadBuffer)
            for size in [100, 40 << 10, 3 << 20, 10, 200 << 10] {
                let value = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ size) }
                _ = try connection.send("SET", "v", .bytes(value))
                #expect(try connection.send("GET", "v").bytes == value, "\(size) bytes")
            }
        }
    }
}
