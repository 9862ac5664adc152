import Logging
import QrewQueue

/// A claim loop keeps the worker's slots busy: it claims as many tasks as there are free slots
/// in one round trip; once a claim finds fewer tasks than free slots, it blocks in Redis on the
/// queues' wake-up lists and claims the moment a push wakes it (or the block time ends), in the
/// same job on the same connection; it waits for a slot to free when all are busy. It never
/// polls. Cancelling it (the drain) stops claiming at once.
struct ClaimLoop: Sendable {
    let queue: QueueClient
    let tasks: RunningTasks
    let outage: RedisOutage
    let logger: Logger
    let configuration: WorkerConfiguration
    /// Blames claimed tasks for a crash from the moment their claim reply arrives.
    let crashReporter: CrashReporter?
    let metrics: WorkerMetrics
    /// Starts running a task that was just claimed and added to `tasks`.
    let start: @Sendable (ClaimedTask) -> Void

    func run() async {
        var backoff = configuration.redisBackoff
        // Whether the last claim drained the queues, so the next one waits for a push first.
        var drained = false
        while !Task.isCancelled {
            await tasks.waitForFreeSlot()
            let free = tasks.freeSlots
            guard !Task.isCancelled, free > 0 else { continue }
            tasks.promise(free)
            do {
                let claimed: [ClaimedTask]
                let sentAt: ContinuousClock.Instant
                if drained {
                    guard let woken = try await waitAndClaim(max: free) else { return }
                    (claimed, sentAt) = woken
                } else {
                    sentAt = .now
                    claimed = try await queue.claim(
                        worker: configuration.name, lease: configuration.lease, max: free, queues: configuration.queues)
                }
                outage.succeeded()
                backoff.reset()
                // Slots can shrink while a claim is out (`--concurrency auto`): what no longer
                // fits is handed back, and the loop claims again at once.
                let admitted = tasks.admit(claimed, leaseExpiresAt: sentAt + configuration.lease)
                drained = claimed.count < free && admitted == claimed.count
                let running = Array(claimed.prefix(admitted))
                queue.expectResults(started: running.count, running: tasks.count)
                crashReporter?.hold(running)
                for task in running { start(task) }
                metrics.claimed(running)
                metrics.held(tasks.count, slots: tasks.slots)
                if !running.isEmpty {
                    logger.debug("claimed \(running.count) task(s): \(running.map(\.ref.description).joined(separator: ", "))")
                }
                await queue.handBack(claimed.dropFirst(admitted), logger: logger)
            } catch {
                tasks.promise(0)
                drained = false
                outage.failed(error, during: "claiming", running: tasks.count)
                do { try await backoff.wait() } catch { return }
            }
        }
    }

    /// Blocks on every queue's wake-up list until a push leaves a token or the block time ends,
    /// then claims up to `max` tasks (the claim rides behind the block in the same write).
    /// Every push leaves a token, so a task pushed after the last claim wakes us at once; the
    /// claim after a block that timed out picks up any ready task whose token another worker
    /// consumed. Returns nil when the worker is cancelled (draining): a claim that raced the
    /// cancellation hands its tasks back.
    private func waitAndClaim(max: Int) async throws(QueueError) -> ([ClaimedTask], ContinuousClock.Instant)? {
        let cancelled = OneShot<Void>()
        let outcome = await untilCancelled(starting: { [queue, configuration] deliver in
            queue.waitAndClaim(
                worker: configuration.name, lease: configuration.lease, max: max, queues: configuration.queues,
                timeout: configuration.idleBlockTime,
                proceed: { cancelled.current == nil },
                completion: deliver)
        }, onCancel: {
            cancelled.fulfill(())
        }, unclaimed: { [queue, logger] outcome in
            guard case .success(let (tasks, _)) = outcome else { return }
            await queue.handBack(tasks, logger: logger)
        })
        switch outcome {
        case nil: return nil
        case .success(let woken)?: return (woken.tasks, woken.sentAt)
        case .failure(let error)?: throw error
        }
    }
}
