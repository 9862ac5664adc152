import CoreMetrics
import QrewQueue

/// A leadership loop takes the leader lease when it is free and renews it every third of the
/// lease, so exactly one coordinator acts at a time and a standby takes over when it dies.
struct LeadershipLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: ServiceLogger

    func run() async {
        let outage = OutageTracker(log: log, what: "leadership")
        // 0 until it leads, so a scrape of a standby says so (and "no leader" alerts can sum it).
        Gauge(label: MetricNames.leader).record(0)
        while !Task.isCancelled {
            do {
                let fence = try await queue.acquireLeadership(coordinatorID: configuration.id, lease: configuration.leaderLease)
                outage.succeeded()
                if fence != leadership.fence {
                    if let fence { log.info("leading (fence \(fence))") } else { log.info("standing by: another coordinator leads") }
                    countChange(leading: fence != nil, was: leadership.fence != nil)
                }
                leadership.set(fence)
                try? await Task.sleep(for: fence == nil ? .milliseconds(250) : configuration.leaderLease / 3)
            } catch {
                let wait = outage.failed(error)
                // Without Redis the lease cannot be renewed: stop acting before it lapses.
                countChange(leading: false, was: leadership.fence != nil)
                leadership.set(nil)
                try? await Task.sleep(for: wait)
            }
        }
    }

    /// Counts a change between leading and standing by (a new fence while leading is none).
    private func countChange(leading: Bool, was: Bool) {
        guard leading != was else { return }
        Counter(label: MetricNames.leadershipChanges, dimensions: [("to", leading ? "leader" : "standby")]).increment()
        Gauge(label: MetricNames.leader).record(leading ? 1 : 0)
    }
}
