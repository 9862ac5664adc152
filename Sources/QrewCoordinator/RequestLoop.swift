import Logging
import QrewCore
import QrewQueue

/// A request loop carries out the run changes (cancel, retry, signal, approve) that clients
/// without write access to task hashes and queues (`qrew-submitter`) ask for on `NS:requests`:
/// it checks each entry (untrusted input, `RunRequest(fields:)`), runs the same scripts a
/// full-access client runs, and stores the reply the client waits for (`NS:request:<id>`).
/// A request already answered (a batch read again after a failure) is not carried out twice.
struct RequestLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger

    /// Requests read per batch.
    static let batch = 16

    func run() async {
        var reader = CoordinatorStreamReader(
            queue: queue, stream: queue.keys.requests, consumer: configuration.id, count: Self.batch,
            staleAfter: configuration.leaderLease)
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "request loop"), onRedisFailure: { reader.reset() }) { _ in
            let entries = try await reader.next()
            guard !entries.isEmpty else { return }
            for entry in entries where try await queue.requestReply(entry.id) == nil {
                try await queue.storeRequestReply(entry.id, try await answer(entry))
            }
            try await queue.acknowledgeRequests(entries.map(\.id))
        }
    }

    /// What became of one request; a refused request is logged with its reason.
    private func answer(_ entry: StreamEntry) async throws(QueueError) -> RunRequestReply {
        let request: RunRequest
        do {
            request = try RunRequest(fields: entry.fields)
        } catch {
            log.warning("refused request \(entry.id): \(error.description)")
            return RunRequestReply(outcome: .refused, error: error.description)
        }
        let failure: QueueError
        do {
            let reply = try await queue.execute(request)
            log.info("request \(entry.id): \(request.fields.first?.1 ?? "") of run \(request.run): \(reply.outcome.rawValue)")
            return reply
        } catch {
            failure = error
        }
        // The script refused it (a bug, or a run in a state no script expects): say so instead
        // of failing the loop on it forever. Connection failures and fencing go to the loop.
        guard case .redis(let error) = failure, error.code == .server else { throw failure }
        log.error("request \(entry.id) failed: \(error)")
        return RunRequestReply(outcome: .refused, error: error.message)
    }
}
