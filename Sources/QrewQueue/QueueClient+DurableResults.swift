import QrewRedis

/// How long a worker waits for replicas to hold the results it recorded (`--durable-results`).
///
/// Redis replicates asynchronously: a result the primary acknowledged can be lost if the
/// primary dies before a replica received it, and Sentinel promotes that replica. `WAIT`
/// after recording narrows that window to results still unacknowledged when `timeout` ends.
public struct ResultDurability: Sendable, Hashable {
    /// Replicas that must acknowledge (`WAIT numreplicas`); at least 1.
    public var replicas: Int
    /// Longest wait for them; the result stays recorded on the primary either way.
    public var timeout: Duration

    /// Creates a durability setting (one replica, 1 s by default).
    public init(replicas: Int = 1, timeout: Duration = .seconds(1)) {
        self.replicas = max(1, replicas)
        self.timeout = timeout
    }
}

extension QueueClient {
    /// Records results like `complete(_:successors:)`, then sends `WAIT` on the same connection (WAIT
    /// covers the writes of its own connection only). Returns the statuses and how many
    /// replicas acknowledged: fewer than `durability.replicas` means the results are on the
    /// primary only, and a failover now could lose them (their tasks would then run again).
    public func complete(
        _ results: [TaskCompletion], durability: ResultDurability, successors: SuccessorRequest? = nil
    ) async throws(QueueError) -> (reply: CompletionReply, acknowledgedBy: Int) {
        guard !results.isEmpty else { return (CompletionReply(statuses: [], successors: []), durability.replicas) }
        let args = completionArguments(results, successors: successors)
        let wait: [RedisArgument] = ["WAIT", .int(durability.replicas), .int(durability.timeout.milliseconds)]
        let (reply, acknowledged) = try await session { session throws(QueueError) in
            let reply = try session.run(.complete, args)
            return (reply, try session.send(wait).int ?? 0)
        }
        return (try completionReply(reply, count: results.count, successors: successors), acknowledged)
    }
}
