import Foundation
import QrewRedis
import Testing

/// A peer that swallows everything and never answers (a partition, a black-holing middlebox):
/// every kind of call must give up within its timeout instead of hanging, so the caller can
/// log the outage and reconnect.
@Suite(.timeLimit(.minutes(1)))
struct RedisBlackHoleTests {
    /// A loopback listener that never accepts: the kernel completes the handshake, then nothing.
    private final class BlackHole {
        let descriptor: Int32
        let port: Int

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                    bind(fd, raw, length) == 0 && listen(fd, 64) == 0 && getsockname(fd, raw, &length) == 0
                }
            }
            descriptor = fd
            port = Int(UInt16(bigEndian: address.sin_port))
            try #require(bound, "cannot listen on 127.0.0.1")
        }

        deinit { close(descriptor) }

        func configuration(timeout: Duration) -> RedisConfiguration {
            RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: port), connectTimeout: .seconds(1), commandTimeout: timeout)
        }
    }

    private func elapsed(_ body: () async throws -> Void) async -> (Duration, (any Error)?) {
        let start = ContinuousClock.now
        do {
            try await body()
            return (.now - start, nil)
        } catch {
            return (.now - start, error)
        }
    }

    @Test func anOrdinaryCommandTimesOut() async throws {
        let hole = try BlackHole()
        let client = RedisClient(configuration: hole.configuration(timeout: .milliseconds(300)))
        defer { client.close() }
        let (took, error) = await elapsed { _ = try await client.send("PING") }
        #expect((error as? RedisError)?.code == .timeout, "\(String(describing: error))")
        #expect(took < .seconds(5))
    }

    @Test func aBlockingCommandTimesOutAfterItsBlockTimeAndTheMargin() async throws {
        let hole = try BlackHole()
        let client = RedisClient(configuration: hole.configuration(timeout: .milliseconds(300)))
        defer { client.close() }
        let (took, error) = await elapsed { _ = try await client.blocking(["BLPOP", "k", "1"], timeout: .seconds(1)) }
        #expect((error as? RedisError)?.code == .timeout, "\(String(describing: error))")
        #expect(took >= .seconds(1) && took < .seconds(6))
    }

    @Test func aSubscriberNoticesASilentConnection() async throws {
        let hole = try BlackHole()
        let subscriber = try RedisSubscriber(configuration: hole.configuration(timeout: .milliseconds(300)))
        defer { subscriber.close() }
        let (took, error) = await elapsed { try await subscriber.subscribe(["c"]) }
        #expect((error as? RedisError)?.code == .timeout, "\(String(describing: error))")
        #expect(took < .seconds(5))
    }
}
