import CoreMetrics
import Logging
import QrewQueue
import ServiceLifecycle

/// A leadership loop takes the leader lease when it is free and renews it every third of the
/// lease, so exactly one coordinator acts at a time and a standby takes over when it dies. On a
/// graceful shutdown it resigns: the other loops start no new step, and once the steps under
/// way are done the lease is released, so a standby leads at its next poll (no lease-long gap
/// on a deploy). Cancellation stops it without releasing (the lease then lapses).
struct LeadershipLoop: Service, CustomStringConvertible {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger

    var description: String { "LeadershipLoop" }

    func run() async {
        await cancelWhenGracefulShutdown { await renew() }
        if Task.isShuttingDownGracefully { await resign() }
    }

    private func renew() async {
        let outage = OutageTracker(log: log, what: "leadership")
        // The first answer is logged either way, so a standby's log says it is up and waiting.
        var announced = false
        // 0 until it leads, so a scrape of a standby says so (and "no leader" alerts can sum it).
        Gauge(label: MetricNames.leader).record(0)
        while !Task.isCancelled {
            do {
                let fence = try await queue.acquireLeadership(coordinatorID: configuration.id, lease: configuration.leaderLease)
                outage.succeeded()
                if fence != leadership.fence || !announced {
                    announced = true
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

    /// Stops the loops acting, waits for their steps under way (bounded by the lease, after
    /// which the fence refuses them anyway) and releases the lease.
    private func resign() async {
        guard let fence = leadership.resign() else { return }
        await leadership.waitForStepsUnderWay(limit: configuration.leaderLease)
        do {
            if try await queue.releaseLeadership(fence: fence) {
                log.info("released leadership (fence \(fence))")
            }
        } catch {
            log.warning("could not release leadership (\(error)); a standby takes over when the lease lapses")
        }
        countChange(leading: false, was: true)
    }

    /// Counts a change between leading and standing by (a new fence while leading is none).
    private func countChange(leading: Bool, was: Bool) {
        guard leading != was else { return }
        Counter(label: MetricNames.leadershipChanges, dimensions: [("to", leading ? "leader" : "standby")]).increment()
        Gauge(label: MetricNames.leader).record(leading ? 1 : 0)
    }
}
