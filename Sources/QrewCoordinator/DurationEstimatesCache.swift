import Synchronization

/// The learned step durations of the workflows submitted lately, so that intake reads them from
/// Redis at most once per `maxAge` per workflow instead of once per submission: that read was a
/// round trip added to every run's submit-to-start latency (docs/benchmarks.md, issue 11).
/// Estimates change only when a run of the workflow finishes and the leader learns from it, and
/// they only weigh the critical-path bonus, so a few seconds of staleness costs nothing a user
/// can see. At most `capacity` workflows are kept; the one read longest ago leaves first.
final class DurationEstimatesCache: Sendable {
    private struct Entry {
        let estimates: [String: Duration]
        let readAt: ContinuousClock.Instant
    }

    let maxAge: Duration
    let capacity: Int
    private let entries = Mutex([String: Entry]())

    init(maxAge: Duration = .seconds(10), capacity: Int = 256) {
        self.maxAge = maxAge
        self.capacity = capacity
    }

    /// The estimates of workflow `name`: kept ones younger than `maxAge`, else `read()`'s (kept).
    func estimates(workflow name: String, read: () -> [String: Duration]) -> [String: Duration] {
        let now = ContinuousClock.now
        if let kept = entries.withLock({ $0[name] }), now - kept.readAt < maxAge { return kept.estimates }
        let estimates = read()
        entries.withLock { entries in
            if entries[name] == nil, entries.count >= capacity,
               let oldest = entries.min(by: { $0.value.readAt < $1.value.readAt })?.key {
                entries.removeValue(forKey: oldest)
            }
            entries[name] = Entry(estimates: estimates, readAt: now)
        }
        return estimates
    }
}
