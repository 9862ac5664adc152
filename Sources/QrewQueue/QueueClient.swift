import Foundation
import QrewCore
import QrewRedis

/// Typed calls for the protocol's atomic operations (one Lua script each, see docs/protocol.md).
///
/// A `QueueClient` is cheap to share: it holds the Redis client (its own connection pool), the
/// key schema and the scripts. Every call is one round trip.
public struct QueueClient: Sendable {
    public let redis: RedisClient
    public let keys: Keys
    /// Cap of each run's progress stream (`XADD MAXLEN ~`).
    public let streamMaxLength: Int
    let scripts: ScriptLibrary
    let clockOffset: @Sendable () -> Int

    /// - Parameter clockOffset: milliseconds the scripts add to Redis's clock (their only
    ///   clock); 0 except in tests that move time by hand.
    public init(
        redis: RedisClient, keys: Keys, scripts: ScriptLibrary, streamMaxLength: Int = 10_000,
        clockOffset: @escaping @Sendable () -> Int = { 0 }
    ) {
        self.redis = redis
        self.keys = keys
        self.scripts = scripts
        self.streamMaxLength = streamMaxLength
        self.clockOffset = clockOffset
    }

    /// Redis's clock (ms since the epoch, plus the clock offset): the one the scripts stamp
    /// and compare every time with, so a reader compares with it too.
    public func serverTime() async throws(QueueError) -> Int {
        let reply = try await send(["TIME"])
        guard let parts = reply.array, parts.count == 2, let seconds = parts[0].string.flatMap(Int.init),
              let microseconds = parts[1].string.flatMap(Int.init) else {
            throw .unexpectedReply(operation: "TIME", reply: "\(reply)")
        }
        return seconds * 1000 + microseconds / 1000 + clockOffset()
    }

    /// Runs `operation`'s script on a pooled connection; `keys` are the keys it declares (KEYS).
    func run(
        _ operation: ScriptLibrary.Operation, keys: [String] = [], _ args: [RedisArgument]
    ) async throws(QueueError) -> RedisReply {
        try await session { session throws(QueueError) in try session.run(operation, keys: keys, args) }
    }

    /// Runs `body` with a session on one of the pool's connections.
    func session<T: Sendable>(_ body: @escaping @Sendable (QueueSession) throws(QueueError) -> T) async throws(QueueError) -> T {
        try await withSession(blocking: false, body)
    }

    /// Runs `body` with a session on a blocking connection of its own (see
    /// `RedisClient.withBlockingConnection`): for a job that blocks for input, then acts on it.
    public func blockingSession<T: Sendable>(
        _ body: @escaping @Sendable (QueueSession) throws(QueueError) -> T
    ) async throws(QueueError) -> T {
        try await withSession(blocking: true, body)
    }

    /// Like `blockingSession(_:)`, but hands the result to `completion` on the connection's
    /// thread instead of resuming an awaiting task (one thread hop fewer; `completion` must not
    /// block).
    public func blockingSession<T: Sendable>(
        _ body: @escaping @Sendable (QueueSession) throws(QueueError) -> T,
        completion: @escaping @Sendable (Result<T, QueueError>) -> Void
    ) {
        redis.withBlockingConnection(sessionJob(body)) { result in
            switch result {
            case .success(let outcome): completion(outcome)
            case .failure(let error): completion(.failure(QueueError(error)))
            }
        }
    }

    private func withSession<T: Sendable>(
        blocking: Bool, _ body: @escaping @Sendable (QueueSession) throws(QueueError) -> T
    ) async throws(QueueError) -> T {
        let job = sessionJob(body)
        let result: Result<T, QueueError>
        do {
            result = blocking ? try await redis.withBlockingConnection(job) : try await redis.withConnection(job)
        } catch {
            throw QueueError(error)
        }
        return try result.get()
    }

    /// `body` as a job for a connection thread, with a session on that thread's connection.
    private func sessionJob<T: Sendable>(
        _ body: @escaping @Sendable (QueueSession) throws(QueueError) -> T
    ) -> @Sendable (RedisConnection) throws(RedisError) -> Result<T, QueueError> {
        { [self] connection in Result { () throws(QueueError) -> T in try body(QueueSession(queue: self, connection: connection)) } }
    }

    /// The arguments every script takes first (lib/common): prefix, clock offset, stream cap.
    func commonArguments() -> [RedisArgument] {
        [.string(keys.prefix), .int(clockOffset()), .int(streamMaxLength)]
    }

    func unexpected(_ operation: ScriptLibrary.Operation, _ reply: RedisReply) -> QueueError {
        .unexpectedReply(operation: operation.rawValue, reply: "\(reply)")
    }

    // MARK: Coordinator

    /// Takes or renews the leader lease; returns the fence to pass to coordinator scripts, or nil
    /// while another coordinator leads.
    public func acquireLeadership(coordinatorID: String, lease: Duration) async throws(QueueError) -> String? {
        let reply = try await run(
            .acquireLeadership, keys: [keys.leader, keys.fence], [.string(coordinatorID), .int(lease.milliseconds)])
        return reply.string
    }

    /// Releases the leader lease this coordinator holds (`fence`, the value `acquireLeadership`
    /// returned), so a standby leads at its next poll; false when it no longer held it.
    public func releaseLeadership(fence: String) async throws(QueueError) -> Bool {
        try await run(.releaseLeadership, keys: [keys.leader], [.string(fence)]).int == 1
    }

    /// Stores a decomposed run, sets the sizes of the shared pools it declares and queues its
    /// ready tasks, in slices (`QueueSession.submitRun`). A run id that already exists changes
    /// nothing (`created` is false) unless its storing stopped part-way.
    public func submitRun(
        _ record: RunRecord, fence: String, slice: Int = RunRecord.defaultSlice, callLimit: Int = .max
    ) async throws(QueueError) -> SubmittedRun {
        try await submitRun(record.storage, fence: fence, slice: slice, callLimit: callLimit)
    }

    /// `submitRun` of a run whose task records are made as each storing call needs them (`RunIntake.stage`).
    public func submitRun(
        _ storage: RunStorage, fence: String, slice: Int = RunRecord.defaultSlice, callLimit: Int = .max
    ) async throws(QueueError) -> SubmittedRun {
        try await session { session throws(QueueError) in
            try session.submitRun(storage, fence: fence, slice: slice, callLimit: callLimit)
        }
    }

    /// Records a submission that failed validation as a failed run with `error`; false when
    /// the run id is already taken.
    public func rejectRun(
        runID: String, name: String, error: String, fence: String, retention: Duration
    ) async throws(QueueError) -> Bool {
        try await session { session throws(QueueError) in
            try session.rejectRun(runID: runID, name: name, error: error, fence: fence, retention: retention)
        }
    }

    /// Applies final task results read from the events stream, exactly once each, and
    /// acknowledges them. Returns how many changed state.
    public func applyEvents(
        _ events: [(entryID: String, ref: String)], fence: String, group: String
    ) async throws(QueueError) -> Int {
        var args: [RedisArgument] = [.string(fence), .string(group)]
        for event in events {
            args.append(.string(event.entryID))
            args.append(.string(event.ref))
        }
        let reply = try await run(.applyEvents, args)
        guard let applied = reply.int else { throw unexpected(.applyEvents, reply) }
        return applied
    }

    /// Queues retries whose backoff elapsed. Returns how many moved and how long until the next
    /// one is due (nil when none waits).
    public func promoteDelayed(fence: String, limit: Int = 1000) async throws(QueueError) -> (promoted: Int, nextDue: Duration?) {
        let reply = try await run(.promoteDelayed, [.string(fence), .int(limit)])
        guard let pair = reply.array, pair.count == 2, let promoted = pair[0].int, let wait = pair[1].int else {
            throw unexpected(.promoteDelayed, reply)
        }
        return (promoted, wait < 0 ? nil : .milliseconds(wait))
    }

    /// Takes back tasks whose lease expired (outcome `lost`, retried as each step's policy
    /// says); returns their refs.
    public func reapLeases(fence: String, limit: Int = 1000) async throws(QueueError) -> [String] {
        try await reapLeasesWithOutcomes(fence: fence, limit: limit).map(\.ref)
    }

    /// `reapLeases`, with what became of each task: `retrying`, `lost`, `failed` (quarantined)
    /// or `gone` (no longer running; only its stale lease entry was dropped).
    public func reapLeasesWithOutcomes(fence: String, limit: Int = 1000) async throws(QueueError) -> [(ref: String, outcome: String)] {
        let reply = try await run(.reapLeases, [.string(fence), .int(limit)])
        guard let flat = reply.array, flat.count % 2 == 0 else { throw unexpected(.reapLeases, reply) }
        var reaped: [(ref: String, outcome: String)] = []
        for index in stride(from: 0, to: flat.count, by: 2) {
            guard let ref = flat[index].string, let outcome = flat[index + 1].string else { throw unexpected(.reapLeases, reply) }
            reaped.append((ref, outcome))
        }
        return reaped
    }

    // MARK: Workers

    /// Leases up to `max` ready tasks from `queues` (in preference order), best score first.
    public func claim(worker: String, lease: Duration, max: Int, queues: [String]) async throws(QueueError) -> [ClaimedTask] {
        let reply = try await run(.claim, claimArguments(worker: worker, lease: lease, max: max, queues: queues))
        return try Self.claimedTasks(reply)
    }

    /// Blocks on the queues' wake-up lists until a push leaves a token (or `timeout` passes),
    /// then claims like `claim(worker:lease:max:queues:)`. The `BLPOP` and the `claim` go out in
    /// one write on one connection: Redis runs the claim the moment the `BLPOP` returns, so a
    /// woken worker has its tasks one round trip after the push instead of two, with no hop
    /// back to async code in between. `proceed` is asked when the replies arrive: when it
    /// returns false (the worker is draining), the tasks just claimed are
    /// handed back on the same connection (`hand_back`: the attempt does not count, another
    /// worker is woken) and none are returned.
    ///
    /// Returns the tasks and when the wake-up arrived: the claim's lease began in Redis just
    /// before. The worker's own copy of the lease deadline only bounds how long it retries a
    /// result while Redis is unreachable; Redis refuses a result whose lease token is stale.
    public func waitAndClaim(
        worker: String, lease: Duration, max: Int, queues: [String], timeout: Duration,
        proceed: @escaping @Sendable () -> Bool
    ) async throws(QueueError) -> (tasks: [ClaimedTask], sentAt: ContinuousClock.Instant) {
        let result: Result<(tasks: [ClaimedTask], sentAt: ContinuousClock.Instant), QueueError> = await withUnsafeContinuation { continuation in
            waitAndClaim(worker: worker, lease: lease, max: max, queues: queues, timeout: timeout, proceed: proceed) {
                continuation.resume(returning: $0)
            }
        }
        return try result.get()
    }

    /// Like the async `waitAndClaim`, but hands the result to `completion` on the connection's
    /// thread (a worker's claim loop: the claimed tasks reach it with one thread hop fewer).
    public func waitAndClaim(
        worker: String, lease: Duration, max: Int, queues: [String], timeout: Duration,
        proceed: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<(tasks: [ClaimedTask], sentAt: ContinuousClock.Instant), QueueError>) -> Void
    ) {
        let wait: [RedisArgument] = ["BLPOP"] + queues.map { .string(keys.wake(queue: $0)) }
            + [.double(Double(timeout.milliseconds) / 1000)]
        let arguments = claimArguments(worker: worker, lease: lease, max: max, queues: queues)
        blockingSession({ session throws(QueueError) -> (tasks: [ClaimedTask], sentAt: ContinuousClock.Instant) in
            let replies = try session.blocking(wait, timeout: timeout, thenRun: .claim, arguments)
            let arrived = ContinuousClock.now
            let claimed = try Self.claimedTasks(replies.script)
            guard !claimed.isEmpty, !proceed() else { return (claimed, arrived) }
            for task in claimed {
                _ = try session.run(.handBack, [.string(task.ref.description), .string(task.token)])
            }
            return ([], arrived)
        }, completion: completion)
    }

    private func claimArguments(worker: String, lease: Duration, max: Int, queues: [String]) -> [RedisArgument] {
        [.string(worker), .int(lease.milliseconds), .int(max)] + queues.map { .string($0) }
    }

    /// Decodes a `claim` reply: nine elements per task (ref, token, attempt, spec, [difference,
    /// template] or a difference whose template came earlier in the reply, output pairs, the
    /// run's trace, queue, ms waited in the queue or -1, signature or "").
    package static func claimedTasks(_ reply: RedisReply) throws(QueueError) -> [ClaimedTask] {
        func unexpected() -> QueueError { .unexpectedReply(operation: ScriptLibrary.Operation.claim.rawValue, reply: "\(reply)") }
        guard let flat = reply.array, flat.count % 9 == 0 else { throw unexpected() }
        var tasks: [ClaimedTask] = []
        tasks.reserveCapacity(flat.count / 9)
        var lastTrace: (text: String, trace: RunTrace?) = ("", nil)
        var templates: [ClaimedTemplate: String] = [:]
        for start in stride(from: 0, to: flat.count, by: 9) {
            guard let refText = flat[start].string, let ref = TaskRef(refText),
                  let token = flat[start + 1].string, let attempt = flat[start + 2].int,
                  let spec = Self.claimedSpec(flat[start + 3], ref: ref, templates: &templates),
                  let pairs = flat[start + 4].array ?? (flat[start + 4].string == "" ? [] : nil), pairs.count % 2 == 0,
                  let trace = flat[start + 5].string, let queue = flat[start + 6].string, let waitedMs = flat[start + 7].int,
                  let signature = flat[start + 8].string
            else { throw unexpected() }
            var outputs: [String: String] = [:]
            for index in stride(from: 0, to: pairs.count, by: 2) {
                guard let id = pairs[index].string, let output = pairs[index + 1].string else { throw unexpected() }
                outputs[id] = output
            }
            // The attempt's span is made here, as the worker takes the task (no Redis involved).
            // Tasks of one run come with the same trace text: parsed once.
            if trace != lastTrace.text { lastTrace = (trace, RunTrace(claimed: trace)) }
            let runTrace = lastTrace.trace
            tasks.append(ClaimedTask(
                ref: ref, token: token, attempt: attempt, spec: spec, outputs: outputs, trace: runTrace,
                spanID: runTrace == nil ? nil : RunTrace.newSpanID(), queue: queue,
                queueWait: waitedMs >= 0 ? .milliseconds(waitedMs) : nil, signature: signature))
        }
        return tasks
    }

    /// A template a claim reply named: its run and task id.
    private struct ClaimedTemplate: Hashable {
        let runID: String
        let id: String
    }

    /// A claim reply's spec entry as the spec text: the spec itself, or a task's
    /// difference put back together with its template here rather than in Redis (lib/specs.lua):
    /// the pair `[difference, template]` where the reply names the template first, the
    /// difference alone after that (`templates`: those named so far). A difference whose template
    /// the reply did not name gives "", refused as an empty spec.
    private static func claimedSpec(_ entry: RedisReply, ref: TaskRef, templates: inout [ClaimedTemplate: String]) -> String? {
        if let stored = entry.string {
            guard let id = SpecTemplates.templateID(of: stored) else { return stored }
            let template = templates[ClaimedTemplate(runID: ref.runID, id: id)] ?? ""
            return SpecTemplates.expanded(stored, template: template, taskID: ref.taskID)
        }
        guard let pair = entry.array, pair.count == 2, let stored = pair[0].string, let template = pair[1].string else { return nil }
        if let id = SpecTemplates.templateID(of: stored) { templates[ClaimedTemplate(runID: ref.runID, id: id)] = template }
        return SpecTemplates.expanded(stored, template: template, taskID: ref.taskID)
    }

    /// Renews all of a worker's leases in one round trip; returns the refs it no longer holds.
    public func heartbeat(
        worker: String, lease: Duration, info: String, holding: [(ref: TaskRef, token: String)]
    ) async throws(QueueError) -> [TaskRef] {
        var args: [RedisArgument] = [.string(worker), .int(lease.milliseconds), .string(info)]
        for held in holding {
            args.append(.string(held.ref.description))
            args.append(.string(held.token))
        }
        let reply = try await run(.heartbeat, args)
        guard let lost = reply.array else { throw unexpected(.heartbeat, reply) }
        return lost.compactMap { $0.string.flatMap(TaskRef.init) }
    }

    /// Returns a leased task to its queue without counting the attempt (a draining worker).
    public func handBack(_ task: ClaimedTask) async throws(QueueError) -> Bool {
        let reply = try await run(.handBack, [.string(task.ref.description), .string(task.token)])
        return reply.int == 1
    }

    // MARK: Anyone

    /// Cancels a run: the first call marks it canceling (no task of it starts from then on) and
    /// each call cancels a slice of `budget` tasks, so no call holds Redis long however big the
    /// run; this calls `cancel_run` until nothing is left, or `callLimit` calls were made (what a
    /// client killed part-way leaves behind: the coordinator's housekeeping loop finishes it;
    /// tests use it). Returns the number of tasks these calls canceled, or nil for an unknown run.
    /// The canceled run is kept for its own `retention` (stored at submission).
    public func cancelRun(
        _ runID: String, reason: String, budget: Int = QueueClient.sliceBudget, callLimit: Int = .max
    ) async throws(QueueError) -> Int? {
        var canceled = 0
        for _ in 0..<max(callLimit, 1) {
            let reply = try await run(.cancelRun, [
                .string(runID), .string(reason), .int(budget),
            ])
            guard let parts = reply.array, let count = parts.first?.int else { throw unexpected(.cancelRun, reply) }
            if count < 0 { return nil }
            canceled += count
            if parts.count < 3 || parts[2].int != 1 { break }
        }
        return canceled
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
