extension QueueClient {
    /// Cancels runs whose workflow `timeout` passed before they finished; returns their ids.
    public func expireRuns(fence: String, limit: Int = 100) async throws(QueueError) -> [String] {
        let reply = try await run(.expireRuns, [.string(fence), .int(limit)])
        guard let runs = reply.array else { throw unexpected(.expireRuns, reply) }
        return runs.compactMap(\.string)
    }

    /// Expires the task keys of runs that finished since the last call (their run's keys expire
    /// as the run ends), at most `budget` keys per call (each costs Redis ~3 µs): returns how
    /// many runs it finished and whether work is left for another call.
    public func expireTasks(fence: String, budget: Int = 1000) async throws(QueueError) -> (runs: Int, more: Bool) {
        let reply = try await run(.expireTasks, [.string(fence), .int(budget)])
        guard let parts = reply.array, parts.count == 2, let runs = parts[0].int, let more = parts[1].int else {
            throw unexpected(.expireTasks, reply)
        }
        return (runs, more == 1)
    }

    /// Forgets workers whose last heartbeat is older than `silence`; returns their names.
    public func pruneWorkers(fence: String, silence: Duration) async throws(QueueError) -> [String] {
        let reply = try await run(.pruneWorkers, [.string(fence), .int(silence.milliseconds)])
        guard let names = reply.array else { throw unexpected(.pruneWorkers, reply) }
        return names.compactMap(\.string)
    }

    /// Removes expired runs from the run index, visiting about `batch` entries per call (the
    /// cursor is kept in Redis, so successive calls walk the whole index). Returns how many it
    /// removed, and whether the walk goes on (false when this call finished a pass over the index).
    public func pruneRuns(fence: String, batch: Int = 100) async throws(QueueError) -> (removed: Int, more: Bool) {
        let reply = try await run(.pruneRuns, [.string(fence), .int(batch)])
        guard let parts = reply.array, parts.count == 2, let removed = parts[0].int, let more = parts[1].int else {
            throw unexpected(.pruneRuns, reply)
        }
        return (removed, more == 1)
    }
}
