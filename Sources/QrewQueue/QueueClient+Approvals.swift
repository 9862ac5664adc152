extension QueueClient {
    /// Approves (they end `succeeded`) or rejects (`failed`) the tasks `taskIDs` of run `runID`
    /// that wait for approval, recording `decidedBy` and the reason, and applies the results
    /// (`approve`). Returns how many were decided (tasks no longer waiting are left alone), or
    /// nil for an unknown run.
    public func decideApproval(
        _ runID: String, taskIDs: [String], approve: Bool, by decider: String, reason: String = ""
    ) async throws(QueueError) -> Int? {
        let reply = try await run(.approve, [
            .string(runID), .string(approve ? "approve" : "reject"), .string(decider), .string(reason),
        ] + taskIDs.map { .string($0) })
        guard let count = reply.int else { throw unexpected(.approve, reply) }
        return count < 0 ? nil : count
    }
}
