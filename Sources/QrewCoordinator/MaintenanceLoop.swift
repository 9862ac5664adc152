import QrewQueue

/// A maintenance loop takes back tasks whose lease expired (their worker died, froze or lost
/// Redis), queues retries whose backoff elapsed, and cancels runs past their workflow timeout.
struct MaintenanceLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: ServiceLogger

    func run() async {
        let outage = OutageTracker(log: log, what: "maintenance")
        while !Task.isCancelled {
            guard let fence = leadership.fence else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            do {
                let reaped = try await queue.reapLeases(fence: fence, retryDelay: .zero)
                if !reaped.isEmpty {
                    log.warning("took back \(reaped.count) task(s) whose lease expired: \(reaped.prefix(5).joined(separator: ", "))")
                }
                let promoted = try await queue.promoteDelayed(fence: fence)
                for run in try await queue.expireRuns(fence: fence, retention: configuration.retention) {
                    log.warning("run \(run) canceled: its workflow timeout passed")
                }
                outage.succeeded()
                let interval = configuration.maintenanceInterval
                try? await Task.sleep(for: promoted.nextDue.map { min($0, interval) } ?? interval)
            } catch QueueError.fenced {
                leadership.lost(fence)
            } catch {
                try? await Task.sleep(for: outage.failed(error))
            }
        }
    }
}
