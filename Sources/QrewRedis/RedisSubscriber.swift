/// Redis pub/sub on a connection and thread of its own.
///
/// A subscribed connection can run nothing but (un)subscribe commands, so it never shares the
/// `RedisClient` pool. The thread waits in poll(2) on the socket and a wake-up pipe: idle costs
/// nothing, and `close()` ends the stream and the thread at once. If the connection drops, the
/// subscriber reconnects with backoff and restores its subscriptions; messages published
/// meanwhile are lost (pub/sub never stores), so pair it with a stream for anything durable.
public final class RedisSubscriber: Sendable {
    /// Every message for the current subscriptions, in arrival order; finishes on `close()`.
    public let messages: AsyncStream<RedisPubSubMessage>
    private let loop: RedisSubscriberLoop

    /// Starts the subscriber thread; it connects at once and retries until closed.
    public init(configuration: RedisConfiguration) throws(RedisError) {
        let (stream, continuation) = AsyncStream.makeStream(of: RedisPubSubMessage.self, bufferingPolicy: .unbounded)
        self.messages = stream
        self.loop = try RedisSubscriberLoop(configuration: configuration, messages: continuation)
        continuation.onTermination = { [loop] _ in loop.close() }
        loop.start()
    }

    deinit {
        loop.close()
    }

    /// Subscribes to `channels`; returns once the server confirmed every one of them.
    public func subscribe(_ channels: [String]) async throws(RedisError) {
        try await loop.request(.subscribe, channels)
    }

    /// Subscribes to glob `patterns`; returns once the server confirmed them.
    public func psubscribe(_ patterns: [String]) async throws(RedisError) {
        try await loop.request(.psubscribe, patterns)
    }

    /// Unsubscribes from `channels`, or from all channels when empty.
    public func unsubscribe(_ channels: [String] = []) async throws(RedisError) {
        try await loop.request(.unsubscribe, channels)
    }

    /// Unsubscribes from `patterns`, or from all patterns when empty.
    public func punsubscribe(_ patterns: [String] = []) async throws(RedisError) {
        try await loop.request(.punsubscribe, patterns)
    }

    /// Ends `messages` and stops the thread; pending (un)subscribe calls throw `.connectionClosed`.
    public func close() {
        loop.close()
    }
}
