import QrewRedis

extension QueueClient {
    /// One task's hash fields (docs/protocol.md, *Task fields*), or nil when the run has no such
    /// stored task: one round trip, for a view of a single task of a big run.
    public func taskFields(_ ref: TaskRef) async throws(QueueError) -> [String: String]? {
        let fields = Self.hash(try await send(["HGETALL", .string(keys.task(ref))]))
        return fields["id"] == nil ? nil : fields
    }
}

extension QueueClient {
    /// The id of the newest entry of a run's progress stream, or nil when it has none: where a
    /// reader that took a snapshot after this call resumes the stream without missing events.
    public func runStreamPosition(_ runID: String) async throws(QueueError) -> String? {
        let reply = try await send(["XREVRANGE", .string(keys.runEvents(runID)), "+", "-", "COUNT", 1])
        return reply.array?.first?.array?.first?.string
    }
}

extension QueueClient {
    /// The named fields of every task of a run, in the run's task order (two round trips; a
    /// pipelined `HMGET` per task, lighter than the whole hashes `runSnapshot` reads), or nil
    /// for an unknown run. Missing fields are absent from a task's dictionary.
    public func runTaskFields(_ runID: String, fields names: [String]) async throws(QueueError) -> [[String: String]]? {
        let head = try await pipeline([["EXISTS", .string(keys.run(runID))], ["LRANGE", .string(keys.runTasks(runID)), 0, -1]])
        guard head[0].int == 1 else { return nil }
        let ids = head[1].array?.compactMap(\.string) ?? []
        let arguments = names.map { RedisArgument.string($0) }
        let replies = try await pipeline(ids.map { ["HMGET", .string(keys.task(TaskRef(runID: runID, taskID: $0)))] + arguments })
        return replies.map { reply in
            var fields: [String: String] = [:]
            for (name, value) in zip(names, reply.array ?? []) { if let text = value.string { fields[name] = text } }
            return fields
        }
    }
}
