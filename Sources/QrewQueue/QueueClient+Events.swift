import QrewRedis

extension QueueClient {
    /// The consumer group every coordinator reads `events` and `submissions` with.
    public static let coordinatorGroup = "coordinators"

    /// Creates the coordinators' consumer group on `stream` if it does not exist yet.
    public func ensureCoordinatorGroup(on stream: String) async throws(QueueError) {
        try await session { session throws(QueueError) in try session.ensureCoordinatorGroup(on: stream) }
    }

    /// Reads entries of `stream` that need recovery (see `QueueSession.readUnfinished`).
    public func readUnfinished(
        stream: String, consumer: String, count: Int, staleAfter: Duration
    ) async throws(QueueError) -> [StreamEntry] {
        try await session { session throws(QueueError) in
            try session.readUnfinished(stream: stream, consumer: consumer, count: count, staleAfter: staleAfter)
        }
    }

    /// Reads entries of `stream` no coordinator has read yet, blocking up to `block`.
    public func readNew(stream: String, consumer: String, count: Int, block: Duration) async throws(QueueError) -> [StreamEntry] {
        try await blockingSession { session throws(QueueError) in
            try session.readNew(stream: stream, consumer: consumer, count: count, block: block)
        }
    }

    /// Acknowledges and deletes handled entries of `stream`.
    public func acknowledge(stream: String, ids: [String]) async throws(QueueError) {
        guard !ids.isEmpty else { return }
        try await session { session throws(QueueError) in try session.acknowledge(stream: stream, ids: ids) }
    }
}
