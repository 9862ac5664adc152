import CoreMetrics
import Logging
import QrewQueue

/// A reap loop keeps tasks moving: it takes back tasks whose lease expired (their worker died,
/// froze or lost Redis), queues retries whose backoff elapsed and the waiters of circuit
/// breakers and rate limits whose time came, ends tasks whose queue timeout passed before they
/// started and cancels runs past their workflow timeout. Each pass is a few short script
/// calls, and the slow housekeeping (`HousekeepingLoop`) runs beside it, so none of this ever
/// waits behind a big expiry or sweep.
struct ReapLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger

    func run() async {
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "reaper")) { fence in
            let reaped = try await queue.reapLeasesWithOutcomes(fence: fence)
            if !reaped.isEmpty {
                for (outcome, count) in Dictionary(grouping: reaped, by: \.outcome).mapValues(\.count) {
                    Counter(label: MetricNames.leaseReclaims, dimensions: [("outcome", outcome)]).increment(by: count)
                }
                log.warning("took back \(reaped.count) task(s) whose lease expired: \(reaped.prefix(5).map(\.ref).joined(separator: ", "))")
            }
            let promoted = try await queue.promoteDelayed(fence: fence)
            let queueTimeouts = try await queue.expireQueued(fence: fence)
            if queueTimeouts.expired > 0 {
                log.info("\(queueTimeouts.expired) task(s) not started within their queue timeout")
            }
            let gates = try await queue.wakeGates(fence: fence)
            if gates.woken > 0 { log.debug("woke \(gates.woken) task(s) waiting at circuit breakers or rate limits") }
            for run in try await queue.expireRuns(fence: fence) {
                log.warning("run \(run) canceled: its workflow timeout passed")
            }
            let interval = configuration.maintenanceInterval
            let nextDue = [promoted.nextDue, queueTimeouts.nextDue, gates.nextDue].compactMap { $0 }.min()
            await leadership.pause(for: nextDue.map { min($0, interval) } ?? interval)
        }
    }
}
