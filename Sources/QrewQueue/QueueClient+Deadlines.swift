extension QueueClient {
    /// Cancels runs whose workflow `timeout` passed before they finished; returns their ids.
    public func expireRuns(fence: String, limit: Int = 100, retention: Duration) async throws(QueueError) -> [String] {
        let reply = try await run(.expireRuns, [.string(fence), .int(limit), .int(retention.milliseconds)])
        guard let runs = reply.array else { throw unexpected(.expireRuns, reply) }
        return runs.compactMap(\.string)
    }
}
