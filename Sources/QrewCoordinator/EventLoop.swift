import Logging
import QrewQueue

/// An event loop applies final task results in batches: it releases dependents, skips what a
/// failure made impossible, and finishes runs. Each batch is one script call.
struct EventLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger

    func run() async {
        var reader = CoordinatorStreamReader(
            queue: queue, stream: queue.keys.events, consumer: configuration.id, count: configuration.eventBatch,
            staleAfter: configuration.leaderLease)
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "event loop"), onRedisFailure: { reader.reset() }) { fence in
            let entries = try await reader.next()
            guard !entries.isEmpty else { return }
            let applied = try await queue.applyEvents(
                entries.map { ($0.id, $0.fields["ref"] ?? "") }, fence: fence,
                group: QueueClient.coordinatorGroup)
            log.debug("applied \(applied) of \(entries.count) events")
        }
    }
}
