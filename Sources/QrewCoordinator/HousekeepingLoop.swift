import Logging
import QrewQueue

/// A housekeeping loop does the leader's slow, bulky work: it goes on with work runs left for
/// later calls (cancellations, retries, big skips and releases), expires the tasks of finished
/// runs, learns step durations from finished runs and forgets workers that stopped
/// heartbeating and runs that expired. It runs beside the reap loop (`ReapLoop`), so a big
/// expiry never delays taking back a lease or promoting a retry.
struct HousekeepingLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger

    /// Task keys `expire_tasks` expires per call (a few hundred µs of Redis).
    static let expiryBudget = 200
    /// The pause between two `expire_tasks` (or `sweep_runs`) calls while work is left.
    static let expiryPause = Duration.milliseconds(2)
    /// Run index entries `prune_runs` visits per call (an EXISTS each: ~0.2 ms of Redis).
    static let pruneBatch = 50
    /// Most `prune_runs` calls per tick: ~500 index entries, so a week's index of 100,000 runs
    /// is walked in under a minute without a big one costing Redis more.
    static let pruneCallsPerTick = 10
    /// Most `sweep_runs` calls per pass (a 100,000-task cancel takes ~100), so a run whose work
    /// never ends cannot keep the loop from its other jobs.
    static let sweepCallsPerPass = 1000

    func run() async {
        let learning = LearningThrottle()
        // When the pass over the run index under way started (nil between passes), and when the
        // next may start.
        var pruneStarted: ContinuousClock.Instant?
        var nextPrune = ContinuousClock.now
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "housekeeping")) { fence in
            // Work runs left for later calls, a slice of a few ms per call with pauses, so other
            // clients' commands run between.
            if try await queue.maintenanceBacklog().sweeping > 0 {
                try await inSlices(most: Self.sweepCallsPerPass) {
                    try await queue.sweepRuns(fence: fence).more
                }
            }
            for worker in try await queue.pruneWorkers(fence: fence, silence: configuration.workerLease * 2) {
                log.info("forgot worker \(worker): no heartbeat for two leases")
            }
            // Small slices with pauses: a big run's 10,000 task keys take ~50 calls of well under a
            // millisecond each, so commands of other clients (a single-task run's claim and result)
            // never wait long behind them, and expiry still keeps up with ~60,000 tasks a second.
            try await inSlices(most: .max) {
                try await queue.expireTasks(fence: fence, budget: Self.expiryBudget).more
            }
            let learned = try await queue.learnDurations(shouldLearn: learning.shouldLearn)
            if learned > 0 { log.debug("learned step durations from \(learned) finished run(s)") }
            // The run index a slice at a time too, until a pass over it ends or the tick's share
            // is done; a pass at most every `runIndexPruneInterval`.
            if ContinuousClock.now >= nextPrune {
                let started = pruneStarted ?? .now
                pruneStarted = started
                var forgotten = 0
                try await inSlices(most: Self.pruneCallsPerTick) {
                    let pruned = try await queue.pruneRuns(fence: fence, batch: Self.pruneBatch)
                    forgotten += pruned.removed
                    if !pruned.more {
                        pruneStarted = nil
                        nextPrune = started + configuration.runIndexPruneInterval
                    }
                    return pruned.more
                }
                if forgotten > 0 { log.debug("forgot \(forgotten) expired run(s) in the run index") }
            }
            await leadership.pause(for: configuration.maintenanceInterval)
        }
    }

    /// Calls `slice`, which does one bounded call's work and returns whether work is left, until
    /// none is, this coordinator gives up leadership, or it made `most` calls; `expiryPause` apart.
    private func inSlices(most: Int, _ slice: () async throws -> Bool) async throws {
        var calls = 0
        while calls < most, !leadership.hasResigned, try await slice() {
            calls += 1
            try await Task.sleep(for: Self.expiryPause)
        }
    }
}
