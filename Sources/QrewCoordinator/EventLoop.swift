import QrewQueue

/// An event loop applies final task results in batches: it releases dependents, skips what a
/// failure made impossible, and finishes runs. Each batch is one script call.
struct EventLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: ServiceLogger

    func run() async {
        let outage = OutageTracker(log: log, what: "event loop")
        var groupReady = false
        while !Task.isCancelled {
            guard let fence = leadership.fence else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            do {
                if !groupReady {
                    try await queue.ensureCoordinatorGroup(on: queue.keys.events)
                    groupReady = true
                }
                let entries = try await queue.readGroup(
                    stream: queue.keys.events, consumer: configuration.id, count: configuration.eventBatch, block: .seconds(1))
                outage.succeeded()
                guard !entries.isEmpty else { continue }
                let applied = try await queue.applyEvents(
                    entries.map { ($0.id, $0.fields["ref"] ?? "") }, fence: fence,
                    group: QueueClient.coordinatorGroup, retention: configuration.retention)
                log.debug("applied \(applied) of \(entries.count) events")
            } catch QueueError.fenced {
                leadership.lost(fence)
            } catch {
                groupReady = false
                try? await Task.sleep(for: outage.failed(error))
            }
        }
    }
}
