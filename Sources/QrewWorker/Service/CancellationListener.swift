import Logging
import QrewQueue
import QrewRedis

/// A cancellation listener stops, within a second, the tasks of a canceled run that this worker
/// runs: it subscribes to `P:cancellations`, where `cancel_run` publishes the refs of running
/// tasks. Pub/sub is not stored, so a message missed during an outage is caught by the next
/// heartbeat, which reports the canceled task's lease as lost.
struct CancellationListener: Sendable {
    let redis: RedisConfiguration
    let keys: Keys
    let tasks: RunningTasks
    let outage: RedisOutage
    let logger: Logger

    func run() async {
        let subscriber: RedisSubscriber
        do {
            subscriber = try RedisSubscriber(configuration: redis)
        } catch {
            logger.error("cannot listen for cancellations (\(error)); canceled tasks stop at the next heartbeat")
            return
        }
        await withTaskCancellationHandler {
            guard await subscribe(subscriber) else { return }
            for await message in subscriber.messages {
                guard let ref = TaskRef(message.text) else { continue }
                if tasks.stop(ref, .canceled) {
                    logger.info("canceling \(ref): its run was canceled")
                }
            }
        } onCancel: {
            subscriber.close()
        }
    }

    /// Subscribes, retrying with backoff while Redis is unreachable; false once cancelled.
    /// After that the subscriber restores the subscription by itself on every reconnect.
    private func subscribe(_ subscriber: RedisSubscriber) async -> Bool {
        var backoff = RedisBackoff()
        while !Task.isCancelled {
            do {
                try await subscriber.subscribe([keys.cancellations])
                return true
            } catch {
                outage.failed(.redis(error), during: "subscribing to cancellations", running: tasks.count)
                do { try await backoff.wait() } catch { return false }
            }
        }
        return false
    }
}
