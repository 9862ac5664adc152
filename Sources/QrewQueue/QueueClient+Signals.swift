extension QueueClient {
    /// Delivers `event` to run `runID` (`signal`): every task waiting for it ends `succeeded`
    /// with `data` as output, and the event is kept so a task reaching the wait later completes
    /// at once. Returns how many tasks it completed now, or nil for an unknown run.
    public func signal(_ runID: String, event: String, data: String = "") async throws(QueueError) -> Int? {
        let reply = try await run(.signal, [.string(runID), .string(event), .string(data)])
        guard let count = reply.int else { throw unexpected(.signal, reply) }
        return count < 0 ? nil : count
    }
}
