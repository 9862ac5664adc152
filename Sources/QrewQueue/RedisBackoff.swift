/// Exponential backoff for retrying Redis: 100 ms doubling up to `limit`, reset by a success.
///
/// The limit is short (1 s by default, never more than a third of a worker's lease): however
/// many outages came before, a loop tries again within about a second of Redis answering, long
/// before a lease runs out. A retry costs one failed connect on a loopback or LAN address, so a
/// short limit does not hammer a Redis that is down.
public struct RedisBackoff: Sendable {
    /// The first delay.
    public static let first = Duration.milliseconds(100)
    /// The default and largest limit.
    public static let defaultLimit = Duration.seconds(1)

    /// The longest delay.
    public let limit: Duration
    public private(set) var next = RedisBackoff.first

    /// A backoff growing up to `limit` (clamped to 10 ms…1 s).
    public init(limit: Duration = RedisBackoff.defaultLimit) {
        self.limit = min(max(limit, .milliseconds(10)), Self.defaultLimit)
        next = min(Self.first, self.limit)
    }

    /// The limit for a worker whose leases last `lease`: a third of it, at most 1 s.
    public static func limit(forLease lease: Duration) -> Duration {
        min(lease / 3, defaultLimit)
    }

    /// Sleeps the current delay and doubles it; throws `CancellationError` when cancelled.
    public mutating func wait() async throws {
        try await Task.sleep(for: advance())
    }

    /// The current delay, doubling the next one.
    public mutating func advance() -> Duration {
        defer { next = min(next * 2, limit) }
        return next
    }

    /// After a success: the next failure waits the first delay again.
    public mutating func reset() {
        next = min(Self.first, limit)
    }
}
