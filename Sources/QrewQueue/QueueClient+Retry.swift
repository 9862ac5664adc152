extension QueueClient {
    /// What `retryRun` did.
    public enum RetryResult: Sendable, Equatable {
        /// This many tasks were reset and queued or waiting again; follow the run's stream
        /// after `eventID` to see only the new attempt.
        case retried(tasks: Int, eventID: String)
        /// Every task had succeeded: nothing to run again.
        case nothingToRetry
        case unknownRun
        /// The run has not finished; it is in this state.
        case notFinished(state: String)
    }

    /// Runs a finished run's failed, timed-out, skipped and canceled tasks again in place,
    /// keeping the succeeded ones and their outputs; `fresh` runs every task again.
    public func retryRun(_ runID: String, fresh: Bool) async throws(QueueError) -> RetryResult {
        let reply = try await run(.retryRun, [.string(runID), .string(fresh ? "fresh" : ""), .string("")])
        guard let pair = reply.array, pair.count >= 2, let count = pair[0].int else {
            throw unexpected(.retryRun, reply)
        }
        switch count {
        case -1: return .unknownRun
        case -2: return .notFinished(state: pair[1].string ?? "unknown")
        case 0: return .nothingToRetry
        default: return .retried(tasks: count, eventID: pair.count > 2 ? pair[2].string ?? "0" : "0")
        }
    }
}
