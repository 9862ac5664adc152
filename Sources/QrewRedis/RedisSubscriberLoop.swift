import CHiredis
import Foundation
import Synchronization

/// The thread behind `RedisSubscriber`: owns the connection, sends (un)subscribe requests,
/// matches their confirmations, and yields messages.
final class RedisSubscriberLoop: Sendable {
    enum Kind: String, Sendable {
        case subscribe, psubscribe, unsubscribe, punsubscribe
    }

    private typealias Completion = UnsafeContinuation<Result<Void, RedisError>, Never>

    private struct Request {
        let kind: Kind
        let names: [String]
        let completion: Completion
    }

    private struct Shared: ~Copyable {
        var requests: [Request] = []
        var closed = false
    }

    /// A sent command whose confirmations are still arriving.
    private struct Awaiting {
        var remaining: Int
        let completion: Completion?
    }

    /// State touched only by the loop thread.
    private final class Local {
        let connection: RedisConnection
        var channels: Set<String> = []
        var patterns: Set<String> = []
        var awaiting: [Awaiting] = []
        /// When the server was last heard from on this connection (any reply or message).
        var heard = ContinuousClock.now
        /// When the health-check PING went out, while its reply is awaited.
        var pinged: ContinuousClock.Instant?
        init(connection: RedisConnection) { self.connection = connection }
    }

    private let configuration: RedisConfiguration
    private let messages: AsyncStream<RedisPubSubMessage>.Continuation
    private let shared = Mutex(Shared())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init(configuration: RedisConfiguration, messages: AsyncStream<RedisPubSubMessage>.Continuation) throws(RedisError) {
        self.configuration = configuration
        self.messages = messages
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw RedisError(.io, "cannot create the subscriber wake-up pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    func start() {
        let thread = Thread { [self] in
            run(Local(connection: RedisConnection(configuration: configuration)))
        }
        thread.name = "qrew-redis-subscriber"
        thread.start()
    }

    func request(_ kind: Kind, _ names: [String]) async throws(RedisError) {
        if names.isEmpty && (kind == .subscribe || kind == .psubscribe) { return }
        let result: Result<Void, RedisError> = await withUnsafeContinuation { completion in
            let accepted = shared.withLock { shared in
                guard !shared.closed else { return false }
                shared.requests.append(Request(kind: kind, names: names, completion: completion))
                return true
            }
            if accepted {
                wake()
            } else {
                completion.resume(returning: .failure(Self.closedError))
            }
        }
        try result.get()
    }

    func close() {
        let wasClosed = shared.withLock { shared in
            defer { shared.closed = true }
            return shared.closed
        }
        if !wasClosed { wake() }
    }

    private static let closedError = RedisError(.connectionClosed, "the subscriber is closed")

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
    }

    private func run(_ local: Local) {
        var backoff = Duration.milliseconds(100)
        while !shared.withLock({ $0.closed }) {
            do throws(RedisError) {
                let context = try connectIfNeeded(local)
                backoff = .milliseconds(100)
                try checkHealth(local, context)
                try sendRequests(local, context)
                try drainReplies(local, context)
                try waitAndRead(context, timeout: .milliseconds(250))
                try drainReplies(local, context)
            } catch {
                local.connection.close()
                for waiting in local.awaiting { waiting.completion?.resume(returning: .failure(error)) }
                local.awaiting.removeAll()
                failQueued(error)
                waitForWake(timeout: backoff)
                backoff = min(backoff * 2, .seconds(1))
            }
        }
        local.connection.close()
        for waiting in local.awaiting { waiting.completion?.resume(returning: .failure(Self.closedError)) }
        failQueued(Self.closedError)
        messages.finish()
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// The connection receives only when someone publishes, so silence proves nothing: a peer
    /// that vanished without a FIN or RST (a partition, a black-holing middlebox) would leave it
    /// waiting forever. After `commandTimeout` of silence it sends a PING (answered in subscribed
    /// mode too); no answer within another `commandTimeout` counts as a dead connection.
    private func checkHealth(_ local: Local, _ context: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        let timeout = configuration.commandTimeout ?? .seconds(30)
        let now = ContinuousClock.now
        if let pinged = local.pinged {
            guard now - pinged < timeout else {
                throw RedisError(.timeout, "subscriber connection silent for \(now - local.heard): no reply to PING")
            }
        } else if now - local.heard >= timeout {
            var buffer = RedisCommandBuffer()
            let status = buffer.withCommand(["PING"]) { bytes, length in redisAppendFormattedCommand(context, bytes, length) }
            guard status == REDIS_OK else { throw local.connection.fail(context) }
            local.pinged = now
        }
    }

    /// Connects when needed and, on a fresh connection, restores the subscriptions.
    private func connectIfNeeded(_ local: Local) throws(RedisError) -> UnsafeMutablePointer<redisContext> {
        let fresh = !local.connection.isConnected
        let context = try local.connection.liveContext(checkingIdle: false)
        if fresh {
            local.heard = .now
            local.pinged = nil
            if !local.channels.isEmpty { try append(local, context, .subscribe, Array(local.channels), nil) }
            if !local.patterns.isEmpty { try append(local, context, .psubscribe, Array(local.patterns), nil) }
        }
        return context
    }

    private func sendRequests(_ local: Local, _ context: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        let requests = shared.withLock { shared in
            defer { shared.requests.removeAll() }
            return shared.requests
        }
        for request in requests {
            try append(local, context, request.kind, request.names, request.completion)
        }
        var done: Int32 = 0
        while done == 0 {
            guard redisBufferWrite(context, &done) == REDIS_OK else { throw local.connection.fail(context) }
        }
    }

    /// Queues one command and records how many confirmations it will produce.
    private func append(
        _ local: Local, _ context: UnsafeMutablePointer<redisContext>,
        _ kind: Kind, _ names: [String], _ completion: Completion?
    ) throws(RedisError) {
        let expected: Int
        switch kind {
        case .subscribe:
            local.channels.formUnion(names)
            expected = names.count
        case .psubscribe:
            local.patterns.formUnion(names)
            expected = names.count
        case .unsubscribe:
            expected = names.isEmpty ? max(1, local.channels.count) : names.count
            if names.isEmpty { local.channels.removeAll() } else { local.channels.subtract(names) }
        case .punsubscribe:
            expected = names.isEmpty ? max(1, local.patterns.count) : names.count
            if names.isEmpty { local.patterns.removeAll() } else { local.patterns.subtract(names) }
        }
        var arguments: [RedisArgument] = [.string(kind.rawValue.uppercased())]
        arguments += names.map { .string($0) }
        var buffer = RedisCommandBuffer()
        let status = buffer.withCommand(arguments) { bytes, length in redisAppendFormattedCommand(context, bytes, length) }
        guard status == REDIS_OK else { throw local.connection.fail(context) }
        local.awaiting.append(Awaiting(remaining: expected, completion: completion))
    }

    private func drainReplies(_ local: Local, _ context: UnsafeMutablePointer<redisContext>) throws(RedisError) {
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw local.connection.fail(context) }
            guard let raw else { return }
            let reply = RedisReply(raw.assumingMemoryBound(to: redisReply.self))
            freeReplyObject(raw)
            local.heard = .now
            local.pinged = nil
            handle(reply, local)
        }
    }

    private func handle(_ reply: RedisReply, _ local: Local) {
        guard let parts = reply.array, let kind = parts.first?.string else { return }
        switch (kind, parts.count) {
        case ("message", 3):
            messages.yield(RedisPubSubMessage(
                channel: parts[1].string ?? "", pattern: nil, payload: parts[2].bytes ?? []))
        case ("pmessage", 4):
            messages.yield(RedisPubSubMessage(
                channel: parts[2].string ?? "", pattern: parts[1].string, payload: parts[3].bytes ?? []))
        case ("subscribe", _), ("psubscribe", _), ("unsubscribe", _), ("punsubscribe", _):
            guard !local.awaiting.isEmpty else { return }
            local.awaiting[0].remaining -= 1
            if local.awaiting[0].remaining <= 0 {
                local.awaiting.removeFirst().completion?.resume(returning: .success(()))
            }
        default:
            return
        }
    }

    /// Waits until the socket is readable, a request arrives, or `timeout` passes, then reads
    /// whatever the socket has without blocking.
    private func waitAndRead(_ context: UnsafeMutablePointer<redisContext>, timeout: Duration) throws(RedisError) {
        var fds = [
            pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        let ready = poll(&fds, 2, Int32(timeout.seconds * 1000))
        guard ready > 0 else { return }
        if fds[1].revents != 0 { drainWakePipe() }
        if fds[0].revents != 0 {
            guard redisBufferRead(context) == REDIS_OK else {
                throw RedisError(.connectionClosed, "subscriber connection lost: \(RedisConnection.errorText(context))")
            }
        }
    }

    private func waitForWake(timeout: Duration) {
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if poll(&fds, 1, Int32(timeout.seconds * 1000)) > 0 { drainWakePipe() }
    }

    private func drainWakePipe() {
        var scratch = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wakeRead, &scratch, scratch.count) > 0 {}
    }

    private func failQueued(_ error: RedisError) {
        let requests = shared.withLock { shared in
            defer { shared.requests.removeAll() }
            return shared.requests
        }
        for request in requests { request.completion.resume(returning: .failure(error)) }
    }
}
