import QrewCore
import QrewRedis

extension QueueClient {
    /// Records a batch of results in one round trip (group commit); each is checked against its
    /// own lease token, so one stale result does not affect the others. Final results are applied
    /// in the same call (dependents released, run settled). Returns one status per result, in order.
    public func complete(_ results: [TaskCompletion]) async throws(QueueError) -> [CompletionStatus] {
        guard !results.isEmpty else { return [] }
        return try completionStatuses(try await run(.complete, completionArguments(results)), count: results.count)
    }

    /// The `complete` script's arguments for `results` (after the common ones).
    func completionArguments(_ results: [TaskCompletion]) -> [RedisArgument] {
        var args: [RedisArgument] = []
        args.reserveCapacity(results.count * 10)
        for result in results {
            args.append(.string(result.task.ref.description))
            args.append(.string(result.task.token))
            args.append(.string(result.outcome.protocolState))
            args.append(.string(result.exitCode.map { String($0) } ?? ""))
            args.append(.string(result.output))
            args.append(.string(result.error ?? ""))
            args.append(.string(result.retryDelay.map { String($0.milliseconds) } ?? ""))
            args.append(.string(result.stdout.joined(separator: "\n")))
            args.append(.string(result.stderr.joined(separator: "\n")))
            args.append(.string(result.task.spanID ?? ""))
        }
        return args
    }

    /// The `complete` script's reply read as one status per result.
    func completionStatuses(_ reply: RedisReply, count: Int) throws(QueueError) -> [CompletionStatus] {
        guard let replies = reply.array, replies.count == count else { throw unexpected(.complete, reply) }
        var statuses: [CompletionStatus] = []
        statuses.reserveCapacity(replies.count)
        for entry in replies {
            guard let status = entry.string.flatMap(CompletionStatus.init(rawValue:)) else { throw unexpected(.complete, reply) }
            statuses.append(status)
        }
        return statuses
    }

    /// Records one task's result. `retryDelay` is the backoff to wait if this outcome is retried
    /// (nil when the step's policy does not retry it). Returns false when the lease was lost.
    public func complete(
        _ task: ClaimedTask, outcome: TaskOutcome, exitCode: Int32?, output: String, error: String?,
        retryDelay: Duration?
    ) async throws(QueueError) -> Bool {
        let statuses = try await complete([TaskCompletion(
            task: task, outcome: outcome, exitCode: exitCode, output: output, error: error, retryDelay: retryDelay)])
        return statuses.first != .stale
    }

    /// Adds batches of running tasks' output lines to their runs' streams in one round trip;
    /// returns, per batch, false when that task's lease was lost (the lines were dropped).
    public func appendOutput(_ batches: [OutputAppend]) async throws(QueueError) -> [Bool] {
        guard !batches.isEmpty else { return [] }
        var args: [RedisArgument] = []
        args.reserveCapacity(batches.count * 4)
        for batch in batches {
            args.append(.string(batch.task.ref.description))
            args.append(.string(batch.task.token))
            args.append(.string(batch.stream))
            args.append(.string(batch.lines.joined(separator: "\n")))
        }
        let reply = try await run(.appendOutput, args)
        guard let replies = reply.array, replies.count == batches.count else { throw unexpected(.appendOutput, reply) }
        return replies.map { $0.int == 1 }
    }

    /// Adds a batch of output lines to the task's run stream; false when the lease was lost.
    public func appendOutput(_ task: ClaimedTask, stream: String, lines: [String]) async throws(QueueError) -> Bool {
        try await appendOutput([OutputAppend(task: task, stream: stream, lines: lines)]).first ?? false
    }
}
