import CoreMetrics
import QrewQueue

/// A maintenance loop takes back tasks whose lease expired (their worker died, froze or lost
/// Redis), queues retries whose backoff elapsed and the waiters of circuit breakers and rate
/// limits whose time came, ends tasks whose queue timeout passed before they started, cancels
/// runs past their workflow timeout, goes on
/// with work runs left for later calls (cancellations, retries, big skips and releases), expires
/// the tasks of finished runs, learns step durations from finished runs and forgets workers that
/// stopped heartbeating and runs that expired.
struct MaintenanceLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: ServiceLogger

    /// Task keys `expire_tasks` expires per call (a few hundred µs of Redis).
    static let expiryBudget = 200
    /// The pause between two `expire_tasks` (or `sweep_runs`) calls while work is left.
    static let expiryPause = Duration.milliseconds(2)
    /// Most `sweep_runs` calls per tick (a 100,000-task cancel takes ~100), so a run whose work
    /// never ends cannot keep the loop from its other jobs.
    static let sweepCallsPerTick = 1000

    func run() async {
        let learning = LearningThrottle()
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "maintenance")) { fence in
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
            // Work runs left for later calls (cancellations, retries, big skips and releases),
            // a slice of a few ms per call with pauses, so other clients' commands run between.
            var sweeps = 0
            while sweeps < Self.sweepCallsPerTick,
                  try await queue.sweepRuns(fence: fence).more {
                sweeps += 1
                try await Task.sleep(for: Self.expiryPause)
            }
            for worker in try await queue.pruneWorkers(fence: fence, silence: configuration.workerLease * 2) {
                log.info("forgot worker \(worker): no heartbeat for two leases")
            }
            // Small slices with pauses: a big run's 10,000 task keys take ~50 calls of well under a
            // millisecond each, so commands of other clients (a single-task run's claim and result)
            // never wait long behind them, and expiry still keeps up with ~60,000 tasks a second.
            while try await queue.expireTasks(fence: fence, budget: Self.expiryBudget).more {
                try await Task.sleep(for: Self.expiryPause)
            }
            let learned = try await queue.learnDurations(shouldLearn: learning.shouldLearn)
            if learned > 0 { log.debug("learned step durations from \(learned) finished run(s)") }
            let forgotten = try await queue.pruneRuns(fence: fence)
            if forgotten > 0 { log.debug("forgot \(forgotten) expired run(s) in the run index") }
            let interval = configuration.maintenanceInterval
            let nextDue = [promoted.nextDue, queueTimeouts.nextDue, gates.nextDue].compactMap { $0 }.min()
            try? await Task.sleep(for: nextDue.map { min($0, interval) } ?? interval)
        }
    }
}
