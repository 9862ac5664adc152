import Logging
import QrewQueue

/// A fan-out loop expands dynamic fan-outs: it claims the placeholders whose source step
/// finished from the reserved `__expand` queue (blocking in Redis while there are none) and
/// turns each into its tasks and their join with one fenced, idempotent `expand_task` call.
struct FanOutLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger

    /// Placeholders claimed per call.
    static let batch = 16
    /// How long a claimed placeholder stays leased: expanding takes milliseconds; a leader that
    /// dies meanwhile leaves it to the reaper, and the next leader expands it again.
    static let lease = Duration.seconds(30)
    /// How long one blocking wait for a placeholder lasts before the loop looks at leadership again.
    static let wait = Duration.seconds(1)

    func run() async {
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "fan-out loop")) { fence in
            let (claimed, _) = try await queue.waitAndClaim(
                worker: "coordinator:\(configuration.id)", lease: Self.lease, max: Self.batch,
                queues: [QueueClient.fanOutQueue], timeout: Self.wait, proceed: { leadership.fence == fence })
            for placeholder in claimed {
                var (outcome, tasks) = try await queue.expandFanOut(
                    placeholder, limit: configuration.limits.maxMatrixTasksPerStep, signer: configuration.signer, fence: fence)
                // A run still being stored in slices: its last slices come within moments.
                while outcome == .later {
                    try await Task.sleep(for: .milliseconds(50))
                    (outcome, tasks) = try await queue.expandFanOut(
                        placeholder, limit: configuration.limits.maxMatrixTasksPerStep, signer: configuration.signer, fence: fence)
                }
                switch outcome {
                case .expanded: log.debug("expanded \(placeholder.ref) into \(tasks) task(s)")
                case .failed: log.info("dynamic fan-out \(placeholder.ref) failed: its list is not usable")
                case .stale, .later: break
                }
            }
        }
    }
}
