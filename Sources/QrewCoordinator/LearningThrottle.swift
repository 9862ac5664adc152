import Synchronization

/// Which finished runs the leader learns step durations from: at most one run of a workflow per
/// `interval`. A workflow that finishes hundreds of runs a second (a stream of small runs) would
/// otherwise cost the leader a few Redis round trips per run, which the runs still going on wait
/// behind, while one sample every few seconds keeps its last-20 p50 just as current.
final class LearningThrottle: Sendable {
    let interval: Duration
    let capacity: Int
    private let learnedAt = Mutex([String: ContinuousClock.Instant]())

    init(interval: Duration = .seconds(5), capacity: Int = 1024) {
        self.interval = interval
        self.capacity = capacity
    }

    /// Whether to learn from a run of `workflow` now; if so, it counts as learned now.
    func shouldLearn(_ workflow: String) -> Bool {
        let now = ContinuousClock.now
        return learnedAt.withLock { learnedAt in
            if let last = learnedAt[workflow], now - last < interval { return false }
            if learnedAt.count >= capacity { learnedAt = learnedAt.filter { now - $0.value < interval } }
            learnedAt[workflow] = now
            return true
        }
    }
}
