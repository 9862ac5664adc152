import QrewQueue

/// An event loop applies final task results in batches: it releases dependents, skips what a
/// failure made impossible, and finishes runs. Each batch is one script call.
struct EventLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: ServiceLogger

    func run() async {
        var groupReady = false
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "event loop"), onRedisFailure: { groupReady = false }) { fence in
            if !groupReady {
                try await queue.ensureCoordinatorGroup(on: queue.keys.events)
                groupReady = true
            }
            let entries = try await queue.readGroup(
                stream: queue.keys.events, consumer: configuration.id, count: configuration.eventBatch, block: .seconds(1))
            guard !entries.isEmpty else { return }
            let applied = try await queue.applyEvents(
                entries.map { ($0.id, $0.fields["ref"] ?? "") }, fence: fence,
                group: QueueClient.coordinatorGroup, retention: configuration.retention)
            log.debug("applied \(applied) of \(entries.count) events")
        }
    }
}
