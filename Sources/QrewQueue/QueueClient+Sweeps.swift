extension QueueClient {
    /// Tasks one call of a sliced operation visits (cancel, retry, skips and releases too big
    /// for one call): each costs Redis about 5 µs, so a call holds it 2–3 ms (`make bench`, figure s).
    public static let sliceBudget = 500

    /// Where a run's work left for later calls stands (`continue_run`).
    public struct RunProgress: Sendable, Equatable {
        /// Whether work is left for another call.
        public let more: Bool
        /// The run's state ("missing" for an unknown run).
        public let state: String
        /// Tasks reset by the run's latest retry, once its reset is done.
        public let retried: String?
        /// The stream entry id of that retry's `run_retried` event.
        public let retriedEvent: String?
    }

    /// Does the next slice of the work a run left for later calls: a retry or a cancellation in
    /// progress, skips or releases too big for the call that made them (`continue_run`).
    public func continueRun(_ runID: String, budget: Int = QueueClient.sliceBudget) async throws(QueueError) -> RunProgress {
        let reply = try await run(.continueRun, [.string(runID), .int(budget)])
        guard let parts = reply.array, parts.count == 4, let more = parts[0].int, let state = parts[1].string else {
            throw unexpected(.continueRun, reply)
        }
        let retried = parts[2].string.flatMap { $0.isEmpty ? nil : $0 }
        let event = parts[3].string.flatMap { $0.isEmpty ? nil : $0 }
        return RunProgress(more: more == 1, state: state, retried: retried, retriedEvent: event)
    }

    /// The coordinator's share: goes on with the work of the runs in `<prefix>:sweeping`
    /// (oldest first) for one call of `budget` tasks. Returns how many runs' work it finished
    /// and whether any is left.
    public func sweepRuns(fence: String, budget: Int = QueueClient.sliceBudget) async throws(QueueError) -> (runs: Int, more: Bool) {
        let reply = try await run(.sweepRuns, [.string(fence), .int(budget)])
        guard let parts = reply.array, parts.count == 2, let runs = parts[0].int, let more = parts[1].int else {
            throw unexpected(.sweepRuns, reply)
        }
        return (runs, more == 1)
    }
}
