import Foundation
import QrewCore
import QrewRedis

/// One entry of the dead-letter list (`<prefix>:dlq`, docs/protocol.md): a task that ended
/// failed or timed out with no attempt left, or a ready-queue member that is no task at all.
public struct DeadLetter: Sendable, Equatable, Codable {
    /// Unique id (from `<prefix>:dlq:seq`), what `qctl dlq show|requeue` take.
    public let id: String
    /// `<run>/<task>`, or the raw member for garbage found in a ready queue.
    public let ref: String
    /// The run id ("" when the member had no `/`).
    public let run: String
    public let task: String
    /// The task's last error, e.g. `lease lost: ...` or `not a task of any run`.
    public let reason: String
    /// Attempts the task used (0 for garbage).
    public let attempts: Int
    /// When the entry was written, ms since the epoch.
    public let at: Int

    /// The entry byte for byte as stored, so a requeue can remove exactly it.
    var raw: [UInt8] = []

    private enum CodingKeys: String, CodingKey { case id, ref, run, task, reason, attempts, at }

    public init(id: String, ref: String, run: String, task: String, reason: String, attempts: Int, at: Int) {
        (self.id, self.ref, self.run, self.task, self.reason, self.attempts, self.at) = (id, ref, run, task, reason, attempts, at)
    }

    package init?(raw: [UInt8]) {
        guard var entry = try? FoundationJSON.decode(DeadLetter.self, from: Data(raw)) else { return nil }
        entry.raw = raw
        self = entry
    }
}

extension QueueClient {
    /// What `requeueDeadLetter` did.
    public enum RequeueResult: Sendable, Equatable {
        /// The task (and this many tasks in all, counting its skipped dependents) runs again in
        /// its reopened run; follow the run's stream after `eventID`.
        case requeued(run: String, tasks: Int, eventID: String)
        /// The task has succeeded since (the run was retried): nothing to run; entry removed.
        case alreadySucceeded(run: String)
        /// No dead letter has this id (requeued or purged already, or trimmed off the list).
        case unknownDeadLetter
        /// The run is gone (expired after its retention, or the entry was garbage): the entry
        /// stays until purged.
        case runGone(run: String)
        /// The run is still going (a continueOnError task failed); requeue after it finishes.
        case runNotFinished(run: String, state: String)
        /// The run has an expanded dynamic fan-out, whose tasks are not requeued one by one
        /// (`retryRun` without `fresh` retries its unsuccessful tasks); entry kept.
        case runHasDynamicFanOut(run: String, state: String)
        /// The requeue began (the entry is removed) but was not done when this caller stopped
        /// (`callLimit`), or a cancel ended it; the coordinator finishes what is left.
        case unfinished(run: String, state: String)
    }

    /// The newest dead letters first, at most `limit`.
    public func deadLetters(limit: Int = 100) async throws(QueueError) -> [DeadLetter] {
        let reply = try await send(["LRANGE", .string(keys.deadLetters), 0, .int(max(limit, 1) - 1)])
        return (reply.array ?? []).compactMap { $0.bytes.flatMap(DeadLetter.init(raw:)) }
    }

    /// The dead letter with this id, or nil.
    public func deadLetter(id: String) async throws(QueueError) -> DeadLetter? {
        try await deadLetters(limit: 10_000).first { $0.id == id }
    }

    /// Runs a dead letter's task again in its run (`retry_run` with that task id): the task and
    /// its unsuccessful downstream tasks are reset and the run reopens; the entry is removed in
    /// the call that starts it, so two requeues run the task once. The reset is done in slices
    /// (`continue_run` until none is left, at most `callLimit` calls in all).
    public func requeueDeadLetter(
        id: String, budget: Int = QueueClient.sliceBudget, callLimit: Int = .max
    ) async throws(QueueError) -> RequeueResult {
        guard let entry = try await deadLetter(id: id) else { return .unknownDeadLetter }
        guard !entry.run.isEmpty else { return .runGone(run: entry.run) }
        let reply = try await run(.retryRun, [
            .string(entry.run), .string(""), .bytes(entry.raw), .int(budget), .string(entry.task),
        ])
        guard let parts = reply.array, parts.count >= 2, let code = parts[0].int else {
            throw unexpected(.retryRun, reply)
        }
        switch code {
        case -1: return .runGone(run: entry.run)
        case -2: return .runNotFinished(run: entry.run, state: parts[1].string ?? "unknown")
        case -3: return .unknownDeadLetter
        case -4: return .runHasDynamicFanOut(run: entry.run, state: parts[1].string ?? "unknown")
        case 0: return .alreadySucceeded(run: entry.run)
        default:
            switch try await finishRetry(entry.run, started: parts, budget: budget, callLimit: callLimit - 1) {
            case .retried(let count, let eventID):
                return count == 0 ? .alreadySucceeded(run: entry.run) : .requeued(run: entry.run, tasks: count, eventID: eventID)
            case .unfinished(let state):
                return .unfinished(run: entry.run, state: state)
            }
        }
    }

    /// Empties the dead-letter list; returns how many entries it held.
    public func purgeDeadLetters() async throws(QueueError) -> Int {
        let reply = try await run(.purgeDeadLetters, keys: [keys.deadLetters], [])
        guard let count = reply.int else { throw unexpected(.purgeDeadLetters, reply) }
        return count
    }
}
