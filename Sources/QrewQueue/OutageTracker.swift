import CoreMetrics
import Logging
import Synchronization

/// Turns a stream of Redis failures and successes into one log line when an outage starts and
/// one when it ends, plus the backoff to wait before the next try (100 ms doubling to 1 s).
public final class OutageTracker: Sendable {
    private struct State {
        var backoff = RedisBackoff()
        var since: ContinuousClock.Instant?
    }

    private let log: Logger
    private let what: String
    private let state = Mutex(State())
    private let errors: Counter
    private let outageSeconds: FloatingPointCounter
    private let unreachable: Gauge

    /// - Parameter what: the loop's name in log lines ("claim loop").
    public init(log: Logger, what: String) {
        self.log = log
        self.what = what
        let loop = [("loop", what)]
        errors = Counter(label: MetricNames.redisErrors, dimensions: loop)
        outageSeconds = FloatingPointCounter(label: MetricNames.redisOutageSeconds, dimensions: loop)
        unreachable = Gauge(label: MetricNames.redisUnreachable, dimensions: loop)
    }

    /// Records a failure; returns how long to wait before retrying.
    public func failed(_ error: any Error) -> Duration {
        let (started, wait) = state.withLock { state in
            let started = state.since == nil
            if started { state.since = .now }
            return (started, state.backoff.advance())
        }
        errors.increment()
        if started {
            unreachable.record(1)
            log.warning("\(what): Redis unavailable (\(error)); retrying with backoff")
        }
        return wait
    }

    /// Records a success; logs the end of an outage if one was under way.
    public func succeeded() {
        let ended = state.withLock { state -> ContinuousClock.Instant? in
            defer { state = State() }
            return state.since
        }
        if let ended {
            unreachable.record(0)
            let seconds = ended.duration(to: .now).components
            outageSeconds.increment(by: Double(seconds.seconds) + Double(seconds.attoseconds) / 1e18)
            log.info("\(what): Redis is back after \(ended.duration(to: .now).formatted(.units(allowed: [.seconds, .milliseconds])))")
        }
    }
}
