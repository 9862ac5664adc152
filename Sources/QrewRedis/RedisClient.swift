import Synchronization

/// The async Redis API for concurrent callers.
///
/// Owns a small pool of connections, each on its own thread, so blocking hiredis calls never
/// occupy Swift's cooperative threads. Blocking commands get separate connections (see
/// `blocking(_:timeout:)`) so a long BLMOVE never holds up ordinary commands. Connections open
/// lazily and reconnect on the call after a failure, so a client can be created before Redis is up.
public final class RedisClient: Sendable {
    /// The configuration every connection uses.
    public let configuration: RedisConfiguration
    private let idleSpin: Duration
    private let pool: RedisConnectionLane
    private let blockingLanes = Mutex(BlockingLanes())

    /// Idle single-connection lanes kept for blocking commands, and whether the client is closed.
    private struct BlockingLanes: ~Copyable {
        var idle: [RedisConnectionLane] = []
        var closed = false
    }

    /// How many idle blocking connections are kept for reuse; extra ones are closed.
    private static let idleBlockingLimit = 4

    /// Creates a client with `poolSize` connections for ordinary commands. A connection's thread
    /// that has just sent a reply busy-waits up to `idleSpin` for the next command before it
    /// sleeps: services that call Redis in loops gain a hop; a command-line call that sends a
    /// command or two and stops passes `.zero` (the spin was ~20 % of a `qctl status`).
    public init(configuration: RedisConfiguration, poolSize: Int = 4, idleSpin: Duration = .microseconds(50)) {
        self.configuration = configuration
        self.idleSpin = idleSpin
        self.pool = RedisConnectionLane(configuration: configuration, threads: poolSize, name: "qrew-redis", idleSpin: idleSpin)
    }

    /// Creates a client from a Redis URL (see `RedisConfiguration.init(url:)`).
    public convenience init(url: String, poolSize: Int = 4) throws(RedisError) {
        self.init(configuration: try RedisConfiguration(url: url), poolSize: poolSize)
    }

    deinit {
        close()
    }

    /// Sends one command; error replies throw `.server` (or `.authentication`).
    public func send(_ arguments: RedisArgument...) async throws(RedisError) -> RedisReply {
        try await send(arguments)
    }

    /// Sends one command; error replies throw `.server` (or `.authentication`).
    public func send(_ arguments: [RedisArgument]) async throws(RedisError) -> RedisReply {
        try await pool.run { connection throws(RedisError) in try connection.send(arguments) }
    }

    /// Sends all commands in one round trip; per-command error replies come back as `.error`.
    public func pipeline(_ commands: [[RedisArgument]]) async throws(RedisError) -> [RedisReply] {
        try await pool.run { connection throws(RedisError) in try connection.pipeline(commands) }
    }

    /// Runs a script by EVALSHA, loading it on NOSCRIPT and retrying once.
    public func evalScript(
        _ script: RedisScript, keys: [RedisArgument] = [], args: [RedisArgument] = []
    ) async throws(RedisError) -> RedisReply {
        try await pool.run { connection throws(RedisError) in
            try connection.evalScript(script, keys: keys, args: args)
        }
    }

    /// Announces a command expected within `within` (a result of work just started; at most
    /// 1 ms): a sleeping connection thread is woken now to wait for it spinning, so the command
    /// does not pay for that thread's wake-up when it comes. A thread spinning already waits
    /// that long; nothing happens while commands are queued.
    public func expectCommand(within: Duration) {
        pool.expectJob(within: within)
    }

    /// Runs `body` on one pooled connection's own thread, for several commands that must share
    /// a connection (MULTI/EXEC, WATCH) or a caller's synchronous code. `body` blocks that
    /// thread: keep it short.
    public func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T
    ) async throws(RedisError) -> T {
        try await pool.run(body)
    }

    /// Runs a blocking command (BLPOP, BLMOVE, BLMPOP, XREAD BLOCK) whose block time is
    /// `timeout` (zero: forever) on a connection of its own.
    ///
    /// Each concurrent blocking caller gets a dedicated connection and thread, taken from a
    /// small idle set or created on demand, whose socket timeout is raised above the block time
    /// for the call; so blocked callers never wait behind each other or behind ordinary commands.
    public func blocking(_ arguments: [RedisArgument], timeout: Duration) async throws(RedisError) -> RedisReply {
        try await withBlockingConnection { connection throws(RedisError) in
            try connection.blocking(arguments, timeout: timeout)
        }
    }

    /// Runs `body` on a blocking connection of its own, like `blocking(_:timeout:)`: for a
    /// blocking command and the commands that act on its reply at once, on the same thread,
    /// without a hop back to async code in between.
    public func withBlockingConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T
    ) async throws(RedisError) -> T {
        let result: Result<T, RedisError> = await withUnsafeContinuation { continuation in
            withBlockingConnection(body) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Like `withBlockingConnection(_:)`, but hands the result to `completion` on the
    /// connection's thread instead of resuming an awaiting task: for a caller that races the
    /// result against its own cancellation, one thread hop fewer. `completion` must not block.
    public func withBlockingConnection<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T,
        completion: @escaping @Sendable (Result<T, RedisError>) -> Void
    ) {
        let lane: RedisConnectionLane
        do {
            lane = try takeBlockingLane()
        } catch {
            completion(.failure(error))
            return
        }
        lane.run(body) { [self] result in
            returnBlockingLane(lane)
            completion(result)
        }
    }

    /// Stops accepting calls; calls already queued finish, then the connection threads exit.
    public func close() {
        pool.close()
        let idle = blockingLanes.withLock { lanes in
            lanes.closed = true
            defer { lanes.idle.removeAll() }
            return lanes.idle
        }
        for lane in idle { lane.close() }
    }

    private func takeBlockingLane() throws(RedisError) -> RedisConnectionLane {
        let reused: RedisConnectionLane?? = blockingLanes.withLock { lanes in
            lanes.closed ? .none : .some(lanes.idle.popLast())
        }
        guard let reused else { throw RedisError(.connectionClosed, "the Redis client is closed") }
        return reused ?? RedisConnectionLane(configuration: configuration, threads: 1, name: "qrew-redis-blocking", idleSpin: idleSpin)
    }

    private func returnBlockingLane(_ lane: RedisConnectionLane) {
        let kept = blockingLanes.withLock { lanes in
            guard !lanes.closed, lanes.idle.count < Self.idleBlockingLimit else { return false }
            lanes.idle.append(lane)
            return true
        }
        if !kept { lane.close() }
    }
}
