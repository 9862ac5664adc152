/// Exponential backoff for retrying Redis: 100 ms doubling up to 5 s, reset by a success.
public struct RedisBackoff: Sendable {
    public init() {}

    public static let first = Duration.milliseconds(100)
    public static let limit = Duration.seconds(5)

    public private(set) var next = RedisBackoff.first

    /// Sleeps the current delay and doubles it; throws `CancellationError` when cancelled.
    public mutating func wait() async throws {
        try await Task.sleep(for: advance())
    }

    /// The current delay, doubling the next one.
    public mutating func advance() -> Duration {
        defer { next = min(next * 2, Self.limit) }
        return next
    }

    public mutating func reset() {
        next = Self.first
    }
}
