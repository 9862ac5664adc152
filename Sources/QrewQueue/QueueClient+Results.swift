import QrewCore
import QrewRedis

extension QueueClient {
    /// Records a batch of results in one round trip (group commit); each is checked against its
    /// own lease token, so one stale result does not affect the others. Final results are applied
    /// in the same call (dependents released, run settled). Returns one status per result, in order.
    public func complete(_ results: [TaskCompletion]) async throws(QueueError) -> [CompletionStatus] {
        try await complete(results, successors: nil).statuses
    }

    /// Records results like `complete(_:)`; with `successors`, the same call then leases the
    /// worker up to `successors.most` ready tasks of its queues, best first, as a claim would
    /// (the dependents the results released among them), so they reach it in the reply instead
    /// of through a wake-up and a claim (docs/protocol.md, *Successors*).
    public func complete(
        _ results: [TaskCompletion], successors: SuccessorRequest?
    ) async throws(QueueError) -> CompletionReply {
        guard !results.isEmpty else { return CompletionReply(statuses: [], successors: []) }
        let reply = try await run(.complete, completionArguments(results, successors: successors))
        return try completionReply(reply, count: results.count, successors: successors)
    }

    /// The `complete` script's arguments for `results` (after the common ones).
    func completionArguments(_ results: [TaskCompletion], successors: SuccessorRequest?) -> [RedisArgument] {
        var args: [RedisArgument] = []
        let queues = successors?.queues ?? []
        args.reserveCapacity(4 + queues.count + results.count * 10)
        args.append(.string(successors?.worker ?? ""))
        args.append(.int(successors?.lease.milliseconds ?? 0))
        args.append(.int(successors?.most ?? 0))
        args.append(.int(queues.count))
        for queue in queues { args.append(.string(queue)) }
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

    /// The `complete` script's reply: one status per result, then (when successors were asked
    /// for) the tasks leased, as `claim` returns them.
    func completionReply(_ reply: RedisReply, count: Int, successors: SuccessorRequest?) throws(QueueError) -> CompletionReply {
        let asked = (successors?.most ?? 0) > 0
        guard let replies = reply.array, replies.count == count + (asked ? 1 : 0) else { throw unexpected(.complete, reply) }
        var statuses: [CompletionStatus] = []
        statuses.reserveCapacity(count)
        for entry in replies.prefix(count) {
            guard let status = entry.string.flatMap(CompletionStatus.init(rawValue:)) else { throw unexpected(.complete, reply) }
            statuses.append(status)
        }
        let leased = asked ? try Self.claimedTasks(replies[count]) : []
        return CompletionReply(statuses: statuses, successors: leased)
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
