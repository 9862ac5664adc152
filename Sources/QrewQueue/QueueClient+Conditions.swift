import QrewCore
import QrewRedis

/// The two calls a worker makes for a task with `if:` (docs/protocol.md, *Conditions*); tasks
/// without one make neither.
extension QueueClient {
    /// The state and output of each task in `taskIDs` of run `runID`, by task id, in one round trip
    /// (a task that no longer exists is absent).
    public func dependencyResults(runID: String, taskIDs: [String]) async throws(QueueError)
        -> (states: [String: String], outputs: [String: String])
    {
        guard !taskIDs.isEmpty else { return ([:], [:]) }
        let replies = try await pipeline(taskIDs.map { id in
            ["HMGET", .string(keys.task(TaskRef(runID: runID, taskID: id))), "state", "output"]
        })
        var states: [String: String] = [:]
        var outputs: [String: String] = [:]
        for (id, reply) in zip(taskIDs, replies) {
            guard let fields = reply.array, fields.count == 2, let state = fields[0].string else { continue }
            states[id] = state
            outputs[id] = fields[1].string ?? ""
        }
        return (states, outputs)
    }

    /// Ends a leased task whose condition is false as `skipped` with `reason` (`skip_task`); its
    /// dependents follow the usual skip rules. Returns false when the lease was no longer held.
    public func skipTask(_ task: ClaimedTask, reason: String) async throws(QueueError) -> Bool {
        let reply = try await run(.skipTask, [.string(task.ref.description), .string(task.token), .string(reason)])
        return reply.int == 1
    }
}
