import QrewRedis

extension QueueClient {
    /// What `retryRun` did.
    public enum RetryResult: Sendable, Equatable {
        /// This many tasks were reset and queued or waiting again; follow the run's stream
        /// after `eventID` to see only the new attempt.
        case retried(tasks: Int, eventID: String)
        /// Every task had succeeded: nothing to run again.
        case nothingToRetry
        case unknownRun
        /// The run has not finished (or is being retried); it is in this state.
        case notFinished(state: String)
        /// `fresh` was asked of a run with an expanded dynamic fan-out, which keeps its expansion:
        /// retry without `fresh` (its unsuccessful tasks run again, its joins reopen), or submit it again.
        case hasDynamicFanOut(state: String)
        /// The retry began but was not done when this caller stopped (`callLimit`), or a cancel
        /// ended it; the run is in `state`, and the coordinator finishes what is left.
        case unfinished(state: String)
    }

    /// Runs a finished run's failed, timed-out, skipped and canceled tasks again in place,
    /// keeping the succeeded ones and their outputs; `fresh` runs every task again. The join of
    /// an expanded dynamic fan-out that did not succeed is reopened: its unsuccessful tasks run
    /// again and it ends once more with every task's output. The work is
    /// done in slices of `budget` tasks (`retry_run`, then `continue_run` until none is left,
    /// at most `callLimit` calls in all), so no call holds Redis long however big the run.
    public func retryRun(
        _ runID: String, fresh: Bool, budget: Int = QueueClient.sliceBudget, callLimit: Int = .max
    ) async throws(QueueError) -> RetryResult {
        let reply = try await run(.retryRun, [.string(runID), .string(fresh ? "fresh" : ""), .string(""), .int(budget)])
        guard let parts = reply.array, parts.count >= 2, let code = parts[0].int else {
            throw unexpected(.retryRun, reply)
        }
        switch code {
        case -1: return .unknownRun
        case -2: return .notFinished(state: parts[1].string ?? "unknown")
        case -4: return .hasDynamicFanOut(state: parts[1].string ?? "unknown")
        case 0: return .nothingToRetry
        default:
            let outcome = try await finishRetry(runID, started: parts, budget: budget, callLimit: callLimit - 1)
            switch outcome {
            case .retried(let count, let eventID): return count == 0 ? .nothingToRetry : .retried(tasks: count, eventID: eventID)
            case .unfinished(let state): return .unfinished(state: state)
            }
        }
    }

    /// How a retry this caller started ended: reset `count` tasks (0: nothing to run again),
    /// or it was left unfinished in `state`.
    enum RetryOutcome {
        case retried(count: Int, eventID: String)
        case unfinished(state: String)
    }

    /// Drives a retry that `retry_run` began (its reply `started`: {1, state, more, retried,
    /// retriedEvent}) with `continue_run` calls until no work is left, or `callLimit` calls.
    func finishRetry(_ runID: String, started: [RedisReply], budget: Int, callLimit: Int) async throws(QueueError) -> RetryOutcome {
        var state = started[1].string ?? "unknown"
        var more = started.count > 2 && started[2].int == 1
        var retried = started.count > 3 ? started[3].string ?? "" : ""
        var eventID = started.count > 4 ? started[4].string ?? "" : ""
        var calls = callLimit
        while more, calls > 0 {
            calls -= 1
            let progress = try await continueRun(runID, budget: budget)
            (more, state, retried, eventID) = (progress.more, progress.state, progress.retried ?? "", progress.retriedEvent ?? "")
        }
        guard !more, let count = Int(retried) else { return .unfinished(state: state) }
        return .retried(count: count, eventID: eventID.isEmpty ? "0" : eventID)
    }
}
