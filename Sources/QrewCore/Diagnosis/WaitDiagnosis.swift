/// Why a task is not running right now (`qctl why`): one reason, a sentence, and the facts
/// behind it (docs/operations.md, *Why a task waits*).
public struct WaitDiagnosis: Sendable, Hashable, Encodable {
    /// What holds the task, or what it is doing instead of waiting.
    public enum Reason: String, Sendable, Hashable, Encodable {
        /// The task ended (or was skipped); nothing holds it.
        case finished
        /// It runs now.
        case running
        /// Its run is being canceled, or ended before it ran.
        case runCanceling = "run_canceling"
        case runFinished = "run_finished"
        /// Dependencies have yet to finish.
        case dependencies
        /// Waiting out a retry backoff.
        case backingOff = "backing_off"
        /// A circuit breaker, rate limit or concurrency key holds it.
        case gate
        /// Parked on a full pool or `maxConcurrency` limit.
        case parked
        /// An approval, an event (`qctl signal`) or a timed wait.
        case awaiting
        /// Claimable, but no live worker serves its queue.
        case noWorker = "no_worker"
        /// Claimable, but every slot of the workers serving its queue is busy.
        case slotsBusy = "slots_busy"
        /// Claimable, with free worker slots: a worker takes it within moments.
        case claimable
        /// Ready but in no queue or parked set at this instant (moving between them).
        case inTransit = "in_transit"
    }

    public var task: String
    public var state: String
    public var reason: Reason
    /// The reason as a sentence.
    public var detail: String
    /// Dependencies not finished (`dependencies`).
    public var waitingOn: [String]
    /// The full limit or gate (`parked`, `gate`).
    public var limit: String?
    /// Running tasks holding the full limit's slots (`parked`).
    public var heldBy: [String]
    /// The queue (`no_worker`, `slots_busy`, `claimable`).
    public var queue: String?
    /// When the wait ends, if known (ms since the epoch).
    public var until: Int?

    enum CodingKeys: String, CodingKey { case task, state, reason, detail, waitingOn, limit, heldBy, queue, until }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(task, forKey: .task)
        try container.encode(state, forKey: .state)
        try container.encode(reason, forKey: .reason)
        try container.encode(detail, forKey: .detail)
        try container.encode(waitingOn, forKey: .waitingOn)
        try container.encode(limit, forKey: .limit)
        try container.encode(heldBy, forKey: .heldBy)
        try container.encode(queue, forKey: .queue)
        try container.encode(until, forKey: .until)
    }

    init(task: String, state: String, reason: Reason, detail: String, waitingOn: [String] = [],
         limit: String? = nil, heldBy: [String] = [], queue: String? = nil, until: Int? = nil) {
        self.task = task
        self.state = state
        self.reason = reason
        self.detail = detail
        self.waitingOn = waitingOn
        self.limit = limit
        self.heldBy = heldBy
        self.queue = queue
        self.until = until
    }

    /// Explains task `id` from `facts`; `time` writes a time (ms since the epoch) for people.
    public static func explain(task id: String, facts: WaitFacts, time: (Int) -> String) -> WaitDiagnosis? {
        guard let fields = facts.tasks[id] else { return nil }
        let state = fields["state"] ?? "unknown"
        func make(_ reason: Reason, _ detail: String, waitingOn: [String] = [], limit: String? = nil,
                  heldBy: [String] = [], queue: String? = nil, until: Int? = nil) -> WaitDiagnosis {
            WaitDiagnosis(task: id, state: state, reason: reason, detail: detail, waitingOn: waitingOn, limit: limit,
                          heldBy: heldBy, queue: queue, until: until)
        }
        if RunRecords.finalStates.contains(state) {
            let error = fields["error"].flatMap { $0.isEmpty ? nil : $0 }
            if state == "skipped" {
                return make(.finished, "skipped: " + (error ?? "a dependency failed"))
            }
            return make(.finished, "not waiting: it ended \(state)" + (error.map { " (\($0))" } ?? ""))
        }
        switch facts.runState {
        case "canceling":
            return make(.runCanceling, "its run is being canceled: it will not start")
        case "canceled", "failed", "succeeded":
            return make(.runFinished, "its run ended \(facts.runState) before it ran")
        case "retrying":
            return make(.runCanceling, "its run is resetting tasks for a retry: nothing of it is claimable until that is done")
        default:
            break
        }
        if state == "expanded" {
            return make(.running, "expanded into its fan-out tasks: it finishes when they do")
        }
        if state == "running" {
            let worker = fields["worker"].flatMap { $0.isEmpty ? nil : $0 } ?? "?"
            let since = Int(fields["startedAt"] ?? "").map { " since \(time($0))" } ?? ""
            return make(.running, "running on worker \(worker)\(since) (attempt \(fields["attempt"] ?? "?"))")
        }
        if state == "waiting" {
            let pending = (facts.dependencies[id] ?? []).filter { dependency in
                !RunRecords.finalStates.contains(facts.tasks[dependency]?["state"] ?? "")
            }
            let listed = pending.isEmpty ? "its dependencies" : pending.map { "`\($0)`" }.joined(separator: ", ")
            return make(.dependencies, "waiting for \(listed) to finish", waitingOn: pending)
        }
        if let kind = fields["await"], !kind.isEmpty {
            let deadline = Int(fields["queuedAt"] ?? "").flatMap { queued in Int(fields["queueTimeoutMs"] ?? "").map { queued + $0 } }
            let timesOut = deadline.map { "; times out at \(time($0))" } ?? ""
            switch kind {
            case "sleep":
                return make(.awaiting, "a timed wait: sleeps until \(deadline.map(time) ?? "?")", until: deadline)
            case "event":
                return make(.awaiting, "waiting for event `\(fields["event"] ?? "?")` (`qctl signal`)\(timesOut)", until: deadline)
            default:
                let approvers = fields["approvers"].flatMap { $0.isEmpty ? nil : " by \($0)" } ?? ""
                return make(.awaiting, "waiting for approval\(approvers) (`qctl approve`)\(timesOut)", until: deadline)
            }
        }
        if facts.delayed.contains(id) || fields["retryAt"].map({ !$0.isEmpty }) == true {
            let due = Int(fields["retryAt"] ?? "")
            let error = fields["error"].flatMap { $0.isEmpty ? nil : ": \($0)" } ?? ""
            return make(.backingOff, "backing off after attempt \(fields["attempt"] ?? "?") failed\(error); retries at \(due.map(time) ?? "?")",
                        until: due)
        }
        if let gate = facts.gates[id] {
            return make(.gate, gate.summary + (gate.until.map { " until \(time($0))" } ?? ""), limit: gate.summary, until: gate.until)
        }
        if let limit = facts.parkedOn[id]?.first {
            let state = facts.limits[limit]
            let size = state?.size.map(String.init) ?? "?"
            let holders = state?.holders ?? []
            let held = holders.isEmpty ? "" : ", held by " + holders.prefix(10).joined(separator: ", ")
                + (holders.count > 10 ? " and \(holders.count - 10) more" : "")
            return make(.parked, "parked: \(limitName(limit)) is full (\(state?.inflight ?? 0) of \(size) slots\(held))",
                        limit: limit, heldBy: holders)
        }
        let queue = fields["queue"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        guard facts.queued.contains(id) else {
            return make(.inTransit, "ready, but in no queue or parked set at this instant (it is moving between them): ask again",
                        queue: queue)
        }
        guard let service = facts.queues[queue], !service.workers.isEmpty else {
            return make(.noWorker, "queued on `\(queue)`, but no live worker serves that queue: start one with `--queues \(queue)`",
                        queue: queue)
        }
        if service.running >= service.slots {
            return make(.slotsBusy, "queued on `\(queue)`: all \(service.slots) slots of its \(service.workers.count) worker(s) are busy",
                        queue: queue)
        }
        return make(.claimable, "queued on `\(queue)` with \(service.slots - service.running) free slot(s): a worker takes it within moments",
                    queue: queue)
    }

    /// `pool `db``, `the run's maxConcurrency`, `step `x`'s maxConcurrency`, `concurrency key `k``.
    static func limitName(_ limit: String) -> String {
        switch RunStatistics.limitKind(limit) {
        case .pool(let name): "pool `\(name)`"
        case .run: "the run's `maxConcurrency`"
        case .step(let step): "step `\(step)`'s `maxConcurrency`"
        case .key(let key): "concurrency key `\(key)`"
        }
    }
}
