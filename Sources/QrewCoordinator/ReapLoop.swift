import CoreMetrics
import Logging
import QrewQueue

/// A reap loop keeps tasks moving: it takes back tasks whose lease expired (their worker died,
/// froze or lost Redis), queues retries whose backoff elapsed and the waiters of circuit
/// breakers and rate limits whose time came, ends tasks whose queue timeout passed before they
/// started and cancels runs past their workflow timeout. Each pass reads how much of each such
/// work waits (`maintenanceBacklog`) and makes a short script call for each kind that does, and
/// the slow housekeeping (`HousekeepingLoop`) runs beside it, so none of this ever waits behind a
/// big expiry or sweep.
struct ReapLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger

    func run() async {
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "reaper")) { fence in
            // One read says which sets hold work; a script with nothing to do is not called.
            let backlog = try await queue.maintenanceBacklog()
            let reaped = backlog.leases > 0 ? try await queue.reapLeasesWithOutcomes(fence: fence) : []
            if !reaped.isEmpty {
                for (outcome, count) in Dictionary(grouping: reaped, by: \.outcome).mapValues(\.count) {
                    Counter(label: MetricNames.leaseReclaims, dimensions: [("outcome", outcome)]).increment(by: count)
                }
                log.warning("took back \(reaped.count) task(s) whose lease expired: \(reaped.prefix(5).map(\.ref).joined(separator: ", "))")
            }
            let promoted = backlog.delayed > 0
                ? try await queue.promoteDelayed(fence: fence) : (promoted: 0, nextDue: nil)
            let queueTimeouts = backlog.queueTimeouts > 0
                ? try await queue.expireQueued(fence: fence) : (expired: 0, nextDue: nil)
            if queueTimeouts.expired > 0 {
                log.info("\(queueTimeouts.expired) task(s) not started within their queue timeout")
            }
            let gates = backlog.gates > 0 ? try await queue.wakeGates(fence: fence) : (woken: 0, nextDue: nil)
            if gates.woken > 0 { log.debug("woke \(gates.woken) task(s) waiting at circuit breakers or rate limits") }
            for run in backlog.runDeadlines > 0 ? try await queue.expireRuns(fence: fence) : [] {
                log.warning("run \(run) canceled: its workflow timeout passed")
            }
            let interval = configuration.maintenanceInterval
            let nextDue = [promoted.nextDue, queueTimeouts.nextDue, gates.nextDue].compactMap { $0 }.min()
            await leadership.pause(for: nextDue.map { min($0, interval) } ?? interval)
        }
    }
}
