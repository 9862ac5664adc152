import CoreMetrics
import Logging
import QrewQueue
import QrewRedis
import Synchronization

/// Tracks whether Redis is reachable, shared by every loop of a worker, so an outage is logged
/// once when it starts and once when it ends, not once per failed call of every loop.
final class RedisOutage: Sendable {
    private struct State {
        var since: ContinuousClock.Instant?
    }

    private let state = Mutex(State())
    private let logger: Logger
    private let errors = Counter(label: MetricNames.redisErrors, dimensions: [("loop", "worker")])
    private let outageSeconds = FloatingPointCounter(label: MetricNames.redisOutageSeconds, dimensions: [("loop", "worker")])
    private let unreachable = Gauge(label: MetricNames.redisUnreachable, dimensions: [("loop", "worker")])

    init(logger: Logger) {
        self.logger = logger
    }

    /// Whether the last Redis call of any loop failed to reach the server.
    var isDown: Bool { state.withLock { $0.since != nil } }

    /// Records a failed call. A lost connection starts an outage (logged once); any other error
    /// (a refused script, a malformed reply) is a bug worth a line every time.
    func failed(_ error: QueueError, during operation: String, running: Int) {
        errors.increment()
        guard case .redis(let redisError) = error, redisError.isConnectionError else {
            logger.error("\(operation) failed: \(error)")
            return
        }
        let started = state.withLock { state -> Bool in
            guard state.since == nil else { return false }
            state.since = .now
            return true
        }
        if started {
            unreachable.record(1)
            logger.warning(Logger.Message(stringLiteral: "Redis unreachable (\(redisError.message)) during \(operation); not claiming, "
                    + "\(running) running task(s) continue; retrying with backoff"))
        }
    }

    /// Records a successful call; ends an outage (logged once).
    func succeeded() {
        let ended = state.withLock { state -> ContinuousClock.Instant? in
            defer { state.since = nil }
            return state.since
        }
        if let ended {
            unreachable.record(0)
            outageSeconds.increment(by: Double((ContinuousClock.now - ended).wholeNanoseconds) / 1e9)
            logger.info("Redis reachable again after \((ContinuousClock.now - ended).qrewShortDescription)")
        }
    }
}
