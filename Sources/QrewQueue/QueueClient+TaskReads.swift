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
