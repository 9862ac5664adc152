import Logging
import Dispatch
import Foundation
import QrewRedis
import Synchronization

/// The crash reporter's own Redis connection, used for nothing else: connected and authenticated
/// ahead of time, because a signal handler can only write bytes to a socket that is already open.
///
/// Its descriptor does not change while the reporter runs (a reconnect `dup2`s the new socket
/// onto it), so the handler never writes to a descriptor that was closed and reused for a file.
/// A thread of its own (connecting blocks, so not one of Swift's few cooperative threads) checks
/// every `interval` whether Redis closed the connection (restart, client timeout) and reconnects.
/// Redis sends nothing unasked on it, so anything readable means closed.
package final class CrashReportConnection: Sendable {
    private let configuration: RedisConfiguration
    private let interval: Duration
    private let logger: Logger
    /// Where the descriptor goes (-1 when stopped): the handler's socket.
    private let publish: @Sendable (Int32) -> Void
    private let wakeUp = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)

    package init(configuration: RedisConfiguration, interval: Duration, logger: Logger, publish: @escaping @Sendable (Int32) -> Void) {
        self.configuration = configuration
        self.interval = interval
        self.logger = logger
        self.publish = publish
    }

    /// Starts the connection's thread; returns once its first attempt to connect is over,
    /// true if connected.
    package func start() async -> Bool {
        let first = OneShot<Bool>()
        let thread = Thread { [self] in keepConnected(reportingFirstAttemptTo: first) }
        thread.name = "qrew-crash-report"
        thread.start()
        return await first.value
    }

    /// Stops the thread, which unpublishes and closes the socket.
    package func stop() {
        guard !stopped.exchange(true, ordering: .sequentiallyConsistent) else { return }
        wakeUp.signal()
    }

    private func keepConnected(reportingFirstAttemptTo first: OneShot<Bool>) {
        var descriptor: Int32 = -1
        var connected = connect(&descriptor)
        first.fulfill(connected)
        let (seconds, attoseconds) = interval.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        while !stopped.load(ordering: .sequentiallyConsistent) {
            _ = wakeUp.wait(timeout: .now() + .nanoseconds(max(nanoseconds, 1_000_000)))
            guard !stopped.load(ordering: .sequentiallyConsistent), !Self.isOpen(descriptor) else { continue }
            let wasConnected = connected
            connected = connect(&descriptor)
            if connected {
                logger.info("crash reports: connected to Redis again")
            } else if wasConnected {
                logger.warning("crash reports: Redis closed the connection; a crash is not counted until it is back")
            }
        }
        publish(-1)
        if descriptor >= 0 { close(descriptor) }
    }

    /// Connects and authenticates, then moves the socket onto `descriptor` (a fresh descriptor,
    /// published, the first time). False when Redis cannot be reached.
    private func connect(_ descriptor: inout Int32) -> Bool {
        let connection = RedisConnection(configuration: configuration)
        defer { connection.close() }
        let fresh: Int32
        do {
            fresh = try connection.socketDescriptor()
        } catch {
            return false
        }
        if descriptor < 0 {
            let copy = fcntl(fresh, F_DUPFD_CLOEXEC, 0)
            guard copy >= 0 else { return false }
            descriptor = copy
            publish(copy)
            return true
        }
        // dup2 swaps the socket in atomically; it clears close-on-exec, set again at once.
        guard dup2(fresh, descriptor) >= 0 else { return false }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        return true
    }

    /// Whether the socket is still open: nothing to read (a closed peer reads as end of file).
    private static func isOpen(_ descriptor: Int32) -> Bool {
        guard descriptor >= 0 else { return false }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, 0) == 0
    }
}
