import CHiredis
import Glibc

/// A blocking connection to one Redis server, for one thread at a time.
///
/// Not `Sendable` on purpose: hiredis contexts are not thread-safe. `RedisClient` gives each
/// connection its own thread; use this type directly only from code that already owns a thread.
/// After a socket failure the context is freed; the failing call throws and the next call
/// reconnects (re-applying timeouts, keepalive, AUTH and SELECT). With a Sentinel endpoint every
/// connect asks the sentinels for the primary and checks its `ROLE`, and a `READONLY` reply (the
/// server was demoted by a failover) drops the context like a socket failure, so the next call
/// finds the new primary.
public final class RedisConnection {
    /// The configuration used for every (re)connect.
    public let configuration: RedisConfiguration
    /// Whether the endpoint is Sentinel's primary (checked on every reply, so kept apart).
    private let followsSentinel: Bool
    private var context: UnsafeMutablePointer<redisContext>?
    private var buffer = RedisCommandBuffer()

    /// Creates a connection that connects on first use (or on `connect()`).
    public init(configuration: RedisConfiguration) {
        self.configuration = configuration
        if case .sentinel = configuration.endpoint { followsSentinel = true } else { followsSentinel = false }
        Self.ignoreSIGPIPE
    }

    deinit {
        if let context { redisFree(context) }
    }

    /// hiredis writes with write(2): a peer that vanished would raise SIGPIPE and kill the
    /// process, so ignore it process-wide (as every Redis client does); writes then fail with EPIPE.
    private static let ignoreSIGPIPE: Void = {
        signal(SIGPIPE, SIG_IGN)
    }()

    /// Whether a live context exists (it may still find the peer gone on the next call).
    public var isConnected: Bool { context != nil }

    /// Connects now if not connected, so configuration errors surface early.
    public func connect() throws(RedisError) {
        _ = try liveContext()
    }

    /// The socket of the live connection (connecting and authenticating first), for a caller
    /// that must write to it without hiredis: a signal handler can only call `write(2)`. The
    /// descriptor belongs to this connection and is closed with it; `dup` it to keep it.
    public func socketDescriptor() throws(RedisError) -> Int32 {
        try liveContext().pointee.fd
    }

    /// Drops the current context, if any, and connects again.
    public func reconnect() throws(RedisError) {
        close()
        try connect()
    }

    /// Frees the context; a later call connects again.
    public func close() {
        if let context { redisFree(context) }
        context = nil
    }

    /// Sends one command and waits for its reply. Error replies throw `.server`
    /// (`.authentication` for NOAUTH/WRONGPASS); the connection stays usable after them.
    public func send(_ arguments: [RedisArgument]) throws(RedisError) -> RedisReply {
        try Self.throwingErrorReply(sendRaw(arguments))
    }

    /// Variadic form of `send(_:)`.
    public func send(_ arguments: RedisArgument...) throws(RedisError) -> RedisReply {
        try send(arguments)
    }

    /// Sends all commands, then reads all replies: one round trip. Error replies come back as
    /// `.error` elements in place; only connection failures throw.
    public func pipeline(_ commands: [[RedisArgument]]) throws(RedisError) -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        let context = try liveContext()
        for command in commands {
            guard !command.isEmpty else { throw RedisError(.protocolError, "empty command in pipeline") }
            let status = buffer.withCommand(command) { bytes, length in redisAppendFormattedCommand(context, bytes, length) }
            if status != REDIS_OK { throw fail(context) }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            replies.append(try readReply(context))
        }
        for reply in replies { try checkStillPrimary(reply) }
        return replies
    }

    /// Runs a blocking command (BLPOP, BLMOVE, BLMPOP, XREAD BLOCK) whose block time is
    /// `timeout` (zero blocks forever): the socket timeout is raised above the block time for
    /// this call only, because a shorter one would kill the context.
    public func blocking(_ arguments: [RedisArgument], timeout: Duration) throws(RedisError) -> RedisReply {
        try withBlockTime(timeout) { () throws(RedisError) in try send(arguments) }
    }

    /// Runs `body` with the socket timeout above `timeout` (zero: no socket timeout), then
    /// restores the command timeout.
    private func withBlockTime<T>(_ timeout: Duration, _ body: () throws(RedisError) -> T) throws(RedisError) -> T {
        let context = try liveContext()
        let margin = configuration.commandTimeout ?? .seconds(5)
        redisSetTimeout(context, (timeout <= .zero ? .zero : timeout + margin).timeval)
        defer {
            if let live = self.context {
                redisSetTimeout(live, (configuration.commandTimeout ?? .zero).timeval)
            }
        }
        return try body()
    }

    /// Sends `commands` in one write, the last of them a blocking command whose block time is
    /// `timeout`, and reads all replies (error replies in place, as in `pipeline`). The socket
    /// timeout is raised above the block time for this call only, as in `blocking(_:timeout:)`.
    public func blockingPipeline(_ commands: [[RedisArgument]], timeout: Duration) throws(RedisError) -> [RedisReply] {
        try withBlockTime(timeout) { () throws(RedisError) in try pipeline(commands) }
    }

    /// Sends a blocking command and a script call in one write and returns both replies. Redis
    /// holds the script call behind the blocking command and runs it the moment the command
    /// returns (a push woke it, or its block time ended), so the script's reply arrives with the
    /// wake-up instead of one round trip later. The script runs either way; error replies of the
    /// blocking command throw, and the script's error replies throw as in `evalScript` (on
    /// NOSCRIPT it is loaded and run again).
    public func blocking(
        _ arguments: [RedisArgument], timeout: Duration, thenRun script: RedisScript,
        keys: [RedisArgument] = [], args: [RedisArgument] = []
    ) throws(RedisError) -> (woken: RedisReply, script: RedisReply) {
        var call: [RedisArgument] = ["EVALSHA", .string(script.sha1), .int(keys.count)]
        call.append(contentsOf: keys)
        call.append(contentsOf: args)
        let replies = try blockingPipeline([arguments, call], timeout: timeout)
        let woken = try Self.throwingErrorReply(replies[0])
        if case .error(let text) = replies[1], text.hasPrefix("NOSCRIPT") {
            _ = try send(["SCRIPT", "LOAD", .string(script.source)])
            return (woken, try send(call))
        }
        return (woken, try Self.throwingErrorReply(replies[1]))
    }

    /// Reads the next reply the server sends unasked: a message on a connection that subscribed
    /// (SUBSCRIBE or PSUBSCRIBE sent with `send`), waiting up to the command timeout. For a
    /// client that owns its thread and reads its messages there, with no hop to another thread
    /// (`RedisSubscriber` reads on a thread of its own and hands messages to async code).
    public func readPushed() throws(RedisError) -> RedisReply {
        guard let context else { throw RedisError(.connectionClosed, "not connected: subscribe first") }
        return try readReply(context)
    }

    /// Runs `script` by EVALSHA; on NOSCRIPT loads it with SCRIPT LOAD and retries once.
    public func evalScript(
        _ script: RedisScript, keys: [RedisArgument] = [], args: [RedisArgument] = []
    ) throws(RedisError) -> RedisReply {
        var command: [RedisArgument] = ["EVALSHA", .string(script.sha1), .int(keys.count)]
        command.append(contentsOf: keys)
        command.append(contentsOf: args)
        let first = try sendRaw(command)
        if case .error(let text) = first, text.hasPrefix("NOSCRIPT") {
            _ = try send(["SCRIPT", "LOAD", .string(script.source)])
            return try send(command)
        }
        return try Self.throwingErrorReply(first)
    }

    // MARK: - Internals shared with RedisSubscriber

    /// The live context, connecting first if needed. `checkingIdle` detects a peer that closed
    /// an idle request/reply connection; pub/sub connections, which receive unasked, skip it.
    func liveContext(checkingIdle: Bool = true) throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        if let context {
            guard checkingIdle, Self.peerClosedWhileIdle(context) else { return context }
            close()
        }
        let context = try open()
        self.context = context
        do {
            try handshake(context)
        } catch {
            close()
            throw error
        }
        return context
    }

    /// Frees a broken context and returns the error it carried.
    func fail(_ context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let error = Self.error(from: context)
        close()
        return error
    }

    /// Sends one command and returns its reply, error replies included.
    func sendRaw(_ arguments: [RedisArgument]) throws(RedisError) -> RedisReply {
        guard !arguments.isEmpty else { throw RedisError(.protocolError, "empty command") }
        let reply = try roundTrip(arguments, on: try liveContext())
        try checkStillPrimary(reply)
        return reply
    }

    /// Sends one command on `context` and returns its reply, error replies included; a socket
    /// failure frees the context and throws. It never connects: the handshake of a context just
    /// opened runs on that context, so a peer that closes it at once (a server refusing clients
    /// over `maxclients`, a proxy resetting the connection) fails the connect instead of
    /// reconnecting from inside it and leaving the outer caller a freed context.
    private func roundTrip(_ arguments: [RedisArgument], on context: UnsafeMutablePointer<redisContext>) throws(RedisError) -> RedisReply {
        let status = buffer.withCommand(arguments) { bytes, length in redisAppendFormattedCommand(context, bytes, length) }
        guard status == REDIS_OK else { throw fail(context) }
        return try readReply(context)
    }

    /// With a Sentinel endpoint, a `READONLY` reply means a failover demoted this server: the
    /// context is dropped and a connection error thrown, so callers retry as after any outage and
    /// the next call connects to the primary Sentinel names now.
    private func checkStillPrimary(_ reply: RedisReply) throws(RedisError) {
        guard followsSentinel, case .error(let text) = reply, text.hasPrefix("READONLY") else {
            return
        }
        close()
        throw RedisError(.connectionClosed, "the server is no longer the primary (\(text)); reconnecting through Sentinel")
    }

    /// An idle connection has nothing to read unless the peer closed it (server restarted or
    /// killed): reconnecting before sending is then safe, as no command was sent on it.
    private static func peerClosedWhileIdle(_ context: UnsafeMutablePointer<redisContext>) -> Bool {
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    /// Reads the next reply. A server that refuses the connection (`maxclients` reached) answers
    /// its first command with an error and closes it: that is a failed connect, whatever the
    /// command, so the context is freed and `.connectionFailed` thrown.
    private func readReply(_ context: UnsafeMutablePointer<redisContext>) throws(RedisError) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw fail(context) }
        defer { freeReplyObject(raw) }
        let reply = RedisReply(raw.assumingMemoryBound(to: redisReply.self))
        if case .error(let text) = reply, text.hasPrefix("ERR max number of clients") {
            close()
            throw RedisError(.connectionFailed, "Redis refused the connection: \(text)")
        }
        return reply
    }

    /// Bytes of read buffer a connection keeps between replies (hiredis `maxbuf`).
    static let keptReadBuffer = 1 << 20

    private func open() throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        let connectTimeout = configuration.connectTimeout.timeval
        let opened: UnsafeMutablePointer<redisContext>?
        let target: String
        switch configuration.endpoint {
        case .tcp(let host, let port):
            opened = redisConnectWithTimeout(host, Int32(port), connectTimeout)
            target = "\(host):\(port)"
        case .unix(let path):
            opened = redisConnectUnixWithTimeout(path, connectTimeout)
            target = path
        case .sentinel(let sentinel):
            let primary = try RedisSentinelResolver.primary(of: sentinel, connectTimeout: configuration.connectTimeout)
            opened = redisConnectWithTimeout(primary.host, Int32(primary.port), connectTimeout)
            target = "\(primary.host):\(primary.port) (primary \"\(sentinel.primaryName)\" per Sentinel)"
        }
        guard let opened else {
            throw RedisError(.connectionFailed, "cannot allocate a hiredis context for \(target)")
        }
        if opened.pointee.err != 0 {
            let reason = Self.errorText(opened)
            redisFree(opened)
            throw RedisError(.connectionFailed, "cannot connect to Redis at \(target): \(reason)")
        }
        redisSetTimeout(opened, (configuration.commandTimeout ?? .zero).timeval)
        if configuration.keepAlive { redisEnableKeepAlive(opened) }
        // hiredis frees its read buffer after every reply that left more than 16 KiB of it unused
        // (a worker's claim of 40 tasks does): a malloc, a free and glibc's consolidation per
        // call. Keep up to 1 MiB; a bigger buffer is still given back.
        opened.pointee.reader.pointee.maxbuf = Self.keptReadBuffer
        return opened
    }

    /// Authenticates, checks the role (Sentinel) and selects the database on the context just
    /// opened, which is `self.context`.
    private func handshake(_ context: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        if let password = configuration.password {
            var auth: [RedisArgument] = ["AUTH"]
            if let username = configuration.username { auth.append(.string(username)) }
            auth.append(.string(password))
            if case .error(let text) = try roundTrip(auth, on: context) {
                throw RedisError(.authentication, "AUTH failed: \(text)")
            }
        }
        if case .sentinel(let sentinel) = configuration.endpoint {
            let role = try Self.throwingErrorReply(roundTrip(["ROLE"], on: context)).array?.first?.string
            guard role == "master" else {
                throw RedisError(
                    .connectionFailed,
                    "the server Sentinel named as primary \"\(sentinel.primaryName)\" is a \(role ?? "server of unknown role"); "
                        + "a failover is under way")
            }
        }
        if configuration.database != 0 {
            _ = try Self.throwingErrorReply(roundTrip(["SELECT", .int(configuration.database)], on: context))
        }
    }

    private static func throwingErrorReply(_ reply: RedisReply) throws(RedisError) -> RedisReply {
        guard case .error(let text) = reply else { return reply }
        if text.hasPrefix("NOAUTH") || text.hasPrefix("WRONGPASS") {
            throw RedisError(.authentication, text)
        }
        throw RedisError(.server, text)
    }

    private static func error(from context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let text = errorText(context)
        switch context.pointee.err {
        case REDIS_ERR_EOF:
            return RedisError(.connectionClosed, text)
        case REDIS_ERR_PROTOCOL:
            return RedisError(.protocolError, text)
        case REDIS_ERR_IO where errno == EAGAIN || errno == EWOULDBLOCK || text.contains("temporarily unavailable"):
            return RedisError(.timeout, "no reply within the socket timeout (\(text))")
        case REDIS_ERR_IO where text.contains("Connection reset") || text.contains("Broken pipe"):
            return RedisError(.connectionClosed, text)
        default:
            return RedisError(.io, text)
        }
    }

    /// hiredis's `errstr` as a Swift string.
    static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
