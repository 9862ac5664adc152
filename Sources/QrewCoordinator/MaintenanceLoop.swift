import QrewQueue

/// A maintenance loop takes back tasks whose lease expired (their worker died, froze or lost
/// Redis) and queues retries whose backoff elapsed.
struct MaintenanceLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: ServiceLog

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
