import QrewRedis

/// Protocol calls made synchronously on one connection, from the thread that owns it: for a
/// loop that blocks for input, decides and writes in one job (the coordinator's intake), with
/// no hop between threads. `QueueClient` runs the same calls from async code on its pool.
public struct QueueSession {
    public let queue: QueueClient
    let connection: RedisConnection

    init(queue: QueueClient, connection: RedisConnection) {
        self.queue = queue
        self.connection = connection
    }

    /// Runs `operation`'s script with the keys it declares (`keys`, its KEYS; none for the scripts
    /// that derive their keys from data they read) and its arguments after the common ones.
    func run(
        _ operation: ScriptLibrary.Operation, keys: [String] = [], _ args: [RedisArgument]
    ) throws(QueueError) -> RedisReply {
        do {
            return try connection.evalScript(
                queue.scripts[operation], keys: keys.map(RedisArgument.string), args: queue.commonArguments() + args)
        } catch {
            throw QueueError(error)
        }
    }

    func send(_ args: [RedisArgument]) throws(QueueError) -> RedisReply {
        do {
            return try connection.send(args)
        } catch {
            throw QueueError(error)
        }
    }

    /// A blocking command (BLPOP, XREADGROUP BLOCK) whose block time is `timeout`.
    func blocking(_ args: [RedisArgument], timeout: Duration) throws(QueueError) -> RedisReply {
        do {
            return try connection.blocking(args, timeout: timeout)
        } catch {
            throw QueueError(error)
        }
    }

    /// A blocking command, then `operation`'s script in the same write: the script runs the
    /// moment the command returns, and both replies come back together (`RedisConnection`).
    func blocking(
        _ args: [RedisArgument], timeout: Duration, thenRun operation: ScriptLibrary.Operation, _ scriptArgs: [RedisArgument]
    ) throws(QueueError) -> (woken: RedisReply, script: RedisReply) {
        do {
            return try connection.blocking(
                args, timeout: timeout, thenRun: queue.scripts[operation], args: queue.commonArguments() + scriptArgs)
        } catch {
            throw QueueError(error)
        }
    }

    // MARK: Coordinator streams

    /// Creates the coordinators' consumer group on `stream` if it does not exist yet.
    public func ensureCoordinatorGroup(on stream: String) throws(QueueError) {
        do {
            _ = try connection.send(["XGROUP", "CREATE", .string(stream), .string(QueueClient.coordinatorGroup), "0", "MKSTREAM"])
        } catch let error where error.code == .server && error.message.hasPrefix("BUSYGROUP") {
            return
        } catch {
            throw QueueError(error)
        }
    }

    /// Reads entries of `stream` for this coordinator that need recovery: first those it read
    /// before but did not acknowledge (it crashed between read and apply), then those another
    /// coordinator left unacknowledged for `staleAfter` (it died). Empty when there are none.
    /// Applying an entry twice is harmless: every consumer of these streams is idempotent.
    public func readUnfinished(stream: String, consumer: String, count: Int, staleAfter: Duration) throws(QueueError) -> [StreamEntry] {
        let pending = try readGroup(stream: stream, consumer: consumer, count: count, from: "0", block: nil)
        if !pending.isEmpty { return pending }
        let stale = try send([
            "XAUTOCLAIM", .string(stream), .string(QueueClient.coordinatorGroup), .string(consumer),
            .int(staleAfter.milliseconds), "0", "COUNT", .int(count),
        ])
        if let parts = stale.array, parts.count >= 2 {
            return try StreamEntry.parseEntries(parts[1], operation: "XAUTOCLAIM")
        }
        return []
    }

    /// Reads entries of `stream` no coordinator has read yet, blocking up to `block`. Entries
    /// `acknowledging` (handled since the last read) are acknowledged and deleted in the same
    /// write, before the read: one round trip per batch instead of two.
    public func readNew(
        stream: String, consumer: String, count: Int, block: Duration, acknowledging handled: [String] = []
    ) throws(QueueError) -> [StreamEntry] {
        guard !handled.isEmpty else { return try readGroup(stream: stream, consumer: consumer, count: count, from: ">", block: block) }
        let ids = handled.map { RedisArgument.string($0) }
        let replies: [RedisReply]
        do {
            replies = try connection.blockingPipeline([
                ["XACK", .string(stream), .string(QueueClient.coordinatorGroup)] + ids, ["XDEL", .string(stream)] + ids,
                readGroupCommand(stream: stream, consumer: consumer, count: count, from: ">", block: block),
            ], timeout: block)
        } catch {
            throw QueueError(error)
        }
        for reply in replies {
            if case .error(let text) = reply { throw QueueError(RedisError(.server, text)) }
        }
        return try StreamEntry.parseStreams(replies[2], operation: "XREADGROUP")
    }

    /// Acknowledges and deletes handled entries of `stream`.
    public func acknowledge(stream: String, ids: [String]) throws(QueueError) {
        guard !ids.isEmpty else { return }
        let idArgs = ids.map { RedisArgument.string($0) }
        do {
            _ = try connection.pipeline([
                ["XACK", .string(stream), .string(QueueClient.coordinatorGroup)] + idArgs, ["XDEL", .string(stream)] + idArgs,
            ])
        } catch {
            throw QueueError(error)
        }
    }

    private func readGroup(
        stream: String, consumer: String, count: Int, from id: String, block: Duration?
    ) throws(QueueError) -> [StreamEntry] {
        let args = readGroupCommand(stream: stream, consumer: consumer, count: count, from: id, block: block)
        let reply = if let block { try blocking(args, timeout: block) } else { try send(args) }
        return try StreamEntry.parseStreams(reply, operation: "XREADGROUP")
    }

    private func readGroupCommand(stream: String, consumer: String, count: Int, from id: String, block: Duration?) -> [RedisArgument] {
        var args: [RedisArgument] = [
            "XREADGROUP", "GROUP", .string(QueueClient.coordinatorGroup), .string(consumer), "COUNT", .int(count),
        ]
        if let block { args += ["BLOCK", .int(block.milliseconds)] }
        args += ["STREAMS", .string(stream), .string(id)]
        return args
    }

    /// What a coordinator recorded as it crashed processing submission `entryID`
    /// (`Keys.intakeCrashes`, `record_intake_crash`), or nil when none did.
    public func intakeCrash(entryID: String) throws(QueueError) -> String? {
        try send(["HGET", .string(queue.keys.intakeCrashes), .string(entryID)]).string
    }

    /// Forgets the crash recorded for `entryID`, once its submission is stored rejected.
    public func forgetIntakeCrash(entryID: String) throws(QueueError) {
        _ = try send(["HDEL", .string(queue.keys.intakeCrashes), .string(entryID)])
    }

    // MARK: Runs

    /// Stores a run with its ready tasks queued: in one `submit_run` call when it has at most
    /// `slice` tasks, else in slices in `RunStorage.storageOrder` (ready tasks first, best
    /// priority first): `submit_run` with the first (`RunRecord.firstSlice` tasks at most),
    /// `store_tasks` with each next `slice`, so a big run's first tasks start while the rest is
    /// stored and no call holds Redis for long. A run id that exists changes nothing, except that
    /// a run whose storing stopped part-way (its coordinator died) is stored to the end.
    /// `callLimit` caps the storing calls made now (what a coordinator that stops part-way leaves
    /// behind; tests use it).
    public func submitRun(
        _ record: RunRecord, fence: String, slice: Int = RunRecord.defaultSlice, callLimit: Int = .max
    ) throws(QueueError) -> SubmittedRun {
        try submitRun(record.storage, fence: fence, slice: slice, callLimit: callLimit)
    }

    /// `submitRun` of a run whose task records are made for each storing call as it comes
    /// (`RunIntake.stage`): a big run's first slice is stored before the rest is built.
    public func submitRun(
        _ storage: RunStorage, fence: String, slice: Int = RunRecord.defaultSlice, callLimit: Int = .max
    ) throws(QueueError) -> SubmittedRun {
        let slice = max(slice, 1)
        let sliced = storage.taskCount > slice
        let order = sliced ? storage.slicedOrder : Array(0..<storage.taskCount)
        let first = storage.records(Array(order.prefix(sliced ? min(slice, RunRecord.firstSlice) : slice)))
        let limits = storage.limits.mapValues(String.init).jsonObjectText
        var args: [RedisArgument] = [
            .string(fence), .string(storage.runID), .string(storage.fields.jsonObjectText), .string(limits),
            .int(storage.taskCount),
        ]
        args.reserveCapacity(args.count + first.count * TaskRecord.argumentCount)
        first.appendArguments(to: &args)
        let reply = try run(.submitRun, args)
        guard let parts = reply.array, let created = parts.first?.int else { throw queue.unexpected(.submitRun, reply) }
        if created == 1 {
            if sliced {
                try storeSlices(storage, from: first.count, slice: slice, calls: callLimit - 1, fence: fence)
            }
            return SubmittedRun(created: true, resizedPools: Self.resizedPools(parts, limits: storage.limits), resumedAt: nil)
        }
        // The run exists: resume it if a coordinator stopped storing it part-way (it was being
        // stored in slices, so in storage order, whatever this coordinator's slice size).
        guard parts.count >= 4, let stored = parts[2].int, let total = parts[3].int, stored < total,
              total == storage.taskCount
        else {
            return SubmittedRun(created: false, resizedPools: [], resumedAt: nil)
        }
        try storeSlices(storage, from: stored, slice: slice, calls: callLimit - 1, fence: fence)
        return SubmittedRun(created: false, resizedPools: [], resumedAt: stored)
    }

    /// Stores the run's tasks in storage order from position `start` on, `slice` at a time (each
    /// slice's records made just before its call), in at most `calls` `store_tasks` calls.
    private func storeSlices(_ storage: RunStorage, from start: Int, slice: Int, calls: Int, fence: String) throws(QueueError) {
        var stored = start
        var calls = calls
        while stored < storage.taskCount, calls > 0 {
            calls -= 1
            let next = storage.records(Array(storage.slicedOrder[stored..<min(stored + slice, storage.taskCount)]))
            var args: [RedisArgument] = [.string(fence), .string(storage.runID), .int(stored)]
            args.reserveCapacity(args.count + next.count * TaskRecord.argumentCount)
            next.appendArguments(to: &args)
            let reply = try run(.storeTasks, args)
            // A position behind the run's count means another coordinator stored that slice.
            guard let now = reply.int, now > stored else { throw queue.unexpected(.storeTasks, reply) }
            stored = now
        }
    }

    /// The pools whose size a `submit_run` reply says this submission changed.
    private static func resizedPools(_ parts: [RedisReply], limits: [String: Int]) -> [SubmittedRun.PoolResize] {
        (parts.count > 2 ? parts[2].array ?? [] : []).compactMap { entry -> SubmittedRun.PoolResize? in
            guard let text = entry.string, let colon = text.lastIndex(of: ":"), let previous = Int(text[text.index(after: colon)...])
            else { return nil }
            let pool = String(text[..<colon])
            return SubmittedRun.PoolResize(pool: pool, previousSize: previous, size: limits["pool:\(pool)"] ?? previous)
        }
    }

    /// Records a submission that failed validation as a failed run with `error`; false when
    /// the run id is already taken.
    public func rejectRun(runID: String, name: String, error: String, fence: String, retention: Duration) throws(QueueError) -> Bool {
        let reply = try run(.rejectRun, [
            .string(fence), .string(runID), .string(name), .string(error), .int(retention.milliseconds),
        ])
        return reply.int == 1
    }
}
