extension QueueClient {
    /// Ends the tasks whose queue timeout (the step's `queueTimeout`) passed before a worker
    /// started them: `timed_out`, or retried as the step's policy says. Returns how many it timed
    /// out and how long until the next deadline (nil when none is watched).
    public func expireQueued(fence: String, limit: Int = 1000) async throws(QueueError) -> (expired: Int, nextDue: Duration?) {
        let reply = try await run(.expireQueued, [.string(fence), .int(limit)])
        guard let pair = reply.array, pair.count == 2, let expired = pair[0].int, let wait = pair[1].int else {
            throw unexpected(.expireQueued, reply)
        }
        return (expired, wait < 0 ? nil : .milliseconds(wait))
    }
}
