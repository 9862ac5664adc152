import Logging
import Foundation
import QrewCore
import QrewQueue

/// A throttle loop adapts the worker's slots to CPU and memory pressure (`--concurrency auto`):
/// every sample interval it reads the pressure, feeds the AIMD controller, and applies a change
/// to the slots the claim loop may fill. Each change is logged, shown in the heartbeat info and
/// recorded in the runs whose tasks the worker holds (`worker_throttled` events, their
/// `throttles` count), in one script call.
struct ThrottleLoop: Sendable {
    let queue: QueueClient
    let tasks: RunningTasks
    let status: ThrottleStatus
    let outage: RedisOutage
    let logger: Logger
    let workerName: String
    let settings: AdaptiveConcurrencyConfiguration

    func run() async {
        var sampler = PressureSampler(cgroupDirectory: settings.cgroupDirectory)
        var controller = AdaptiveConcurrency(
            minimum: settings.minimum, maximum: settings.maximum, initial: tasks.slots, thresholds: settings.thresholds)
        logger.info(Logger.Message(stringLiteral: "adaptive concurrency \(settings.minimum)-\(settings.maximum), starting at \(controller.slots) slot(s); "
                + "sampling \(sampler.description) every \(settings.sampleInterval.qrewShortDescription)"))
        while !Task.isCancelled {
            do { try await Task.sleep(for: settings.sampleInterval) } catch { return }
            let sample = sampler.sample()
            status.record(sample)
            guard let change = controller.update(sample) else { continue }
            tasks.resize(to: change.to)
            status.record(change, at: Int64(Date().timeIntervalSince1970 * 1000))
            logger.info("throttle: slots \(change.from) -> \(change.to): \(change.reason)")
            await recordInRuns(change)
        }
    }

    /// One `record_throttle` call for every run the worker holds a task of; none when idle.
    /// A failure is logged and not retried: the event is informational, the slots changed anyway.
    private func recordInRuns(_ change: SlotChange) async {
        let runs = tasks.runIDs
        guard !runs.isEmpty else { return }
        do throws(QueueError) {
            try await queue.recordThrottle(worker: workerName, from: change.from, to: change.to, reason: change.reason, runs: runs)
            outage.succeeded()
        } catch {
            outage.failed(error, during: "recording a throttle event", running: tasks.count)
        }
    }
}
