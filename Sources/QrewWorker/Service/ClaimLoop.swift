import QrewQueue
import QrewRedis

/// A claim loop keeps the worker's slots busy: it claims as many tasks as there are free slots
/// in one round trip, blocks in Redis on the queues' wake lists when nothing is claimable, and
/// waits for a slot to free when all are busy. It never polls. Cancelling it (the drain) stops
/// claiming at once.
struct ClaimLoop: Sendable {
    let queue: QueueClient
    let tasks: RunningTasks
    let outage: RedisOutage
    let logger: ServiceLogger
    let configuration: WorkerConfiguration
    /// Starts running a task that was just claimed and added to `tasks`.
    let start: @Sendable (ClaimedTask) -> Void

    func run() async {
        var backoff = RedisBackoff()
        while !Task.isCancelled {
            await tasks.waitForFreeSlot()
            let free = tasks.freeSlots
            guard !Task.isCancelled, free > 0 else { continue }
            do {
                let sentAt = ContinuousClock.now
                let claimed = try await queue.claim(
                    worker: configuration.name, lease: configuration.lease, max: free, queues: configuration.queues)
                outage.succeeded()
                backoff.reset()
                if claimed.isEmpty {
                    try await waitForWork()
                    continue
                }
                for task in claimed {
                    tasks.add(task, leaseExpiresAt: sentAt + configuration.lease)
                    start(task)
                }
                logger.info("claimed \(claimed.count) task(s): \(claimed.map(\.ref.description).joined(separator: ", "))")
            } catch {
                outage.failed(error, during: "claiming", running: tasks.count)
                do { try await backoff.wait() } catch { return }
            }
        }
    }

    /// Blocks on every queue's wake list until a push leaves a token or the block time ends.
    /// Every push leaves a token, so a task pushed after the empty claim wakes us at once.
    private func waitForWork() async throws(QueueError) {
        let seconds = Double(configuration.idleBlockTime.components.seconds)
            + Double(configuration.idleBlockTime.components.attoseconds) / 1e18
        let arguments: [RedisArgument] = ["BLPOP"]
            + configuration.queues.map { .string(queue.keys.wake(queue: $0)) }
            + [.double(seconds)]
        let redis = queue.redis
        let timeout = configuration.idleBlockTime
        let outcome = await untilCancelled { () -> Result<RedisReply, RedisError> in
            do throws(RedisError) {
                return .success(try await redis.blocking(arguments, timeout: timeout))
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error)? = outcome { throw QueueError.redis(error) }
    }
}
