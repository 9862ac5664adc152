import QrewRedis

extension QueueClient {
    /// Records that `worker` changed its slots from `from` to `to` in each of `runs` (a
    /// `worker_throttled` event and the run's `throttles` count), in one call; returns how many
    /// runs still existed.
    @discardableResult
    public func recordThrottle(worker: String, from: Int, to: Int, reason: String, runs: [String]) async throws(QueueError) -> Int {
        guard !runs.isEmpty else { return 0 }
        var args: [RedisArgument] = [.string(worker), .int(from), .int(to), .string(reason)]
        args.append(contentsOf: runs.map { .string($0) })
        let reply = try await run(.recordThrottle, args)
        guard let count = reply.int else { throw unexpected(.recordThrottle, reply) }
        return count
    }
}

extension QueueClient {
    /// One progress report of a running task: `42%`, a message, or both.
    public struct ProgressReport: Sendable, Equatable {
        public let task: ClaimedTask
        public let percent: Int?
        public let message: String?

        public init(task: ClaimedTask, percent: Int?, message: String?) {
            self.task = task
            self.percent = percent
            self.message = message
        }
    }

    /// Records progress reports (`task_progress` events, the tasks' `progress` fields) in one
    /// round trip; returns, per report, false when that task's lease was lost (it was dropped).
    public func reportProgress(_ reports: [ProgressReport]) async throws(QueueError) -> [Bool] {
        guard !reports.isEmpty else { return [] }
        var args: [RedisArgument] = []
        args.reserveCapacity(reports.count * 4)
        for report in reports {
            args.append(.string(report.task.ref.description))
            args.append(.string(report.task.token))
            args.append(.string(report.percent.map { String(min(100, max(0, $0))) } ?? ""))
            args.append(.string(report.message ?? ""))
        }
        let reply = try await run(.reportProgress, args)
        guard let replies = reply.array, replies.count == reports.count else { throw unexpected(.reportProgress, reply) }
        return replies.map { $0.int == 1 }
    }
}
