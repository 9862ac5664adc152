/// Every Redis key and channel name Qrew uses, built in one place from the namespace prefix.
///
/// The Lua scripts build the same names from the prefix (`Scripts/lib/common.lua`), and
/// `docs/protocol.md` documents them for clients in other languages: change all three together.
public struct Keys: Sendable, Hashable {
    /// The namespace prefix (`QREW_NAMESPACE`, default `qrew`).
    public let prefix: String

    public init(prefix: String = "qrew") {
        self.prefix = prefix
    }

    /// Hash of one schedule (`qctl schedule add`): workflow, cron, policies, next and last tick.
    public func schedule(_ name: String) -> String { "\(prefix):schedule:\(name)" }
    /// Sorted set of schedule name to next tick (ms); paused schedules are absent.
    public var schedules: String { "\(prefix):schedules" }
    /// String holding the run id a submission queued under idempotency key `key`.
    public func idempotency(_ key: String) -> String { "\(prefix):idempotency:\(key)" }
    /// Stream of workflow submissions waiting for a coordinator.
    public var submissions: String { "\(prefix):submissions" }
    /// Hash of submissions stream entry id to what happened, for each submission a coordinator
    /// crashed on while processing it (`record_intake_crash`): the next leader stores it as a
    /// rejected run instead of processing it again (poison quarantine).
    public var intakeCrashes: String { "\(prefix):intake:crashed" }
    /// Sorted set of run ids by creation time.
    public var runs: String { "\(prefix):runs" }
    /// Sorted set of finished runs whose task keys have yet to get their expiry (`expire_tasks`).
    public var expiring: String { "\(prefix):expiring" }
    /// Hash of run id to task keys already expired, for a run `expire_tasks` expires over several calls.
    public var expiringDone: String { "\(prefix):expiring:done" }
    /// Sorted set of runs with work left for later calls (a cancellation, a retry, big skips or
    /// releases), by when it was left; the coordinator's `sweep_runs` goes on with them.
    public var sweeping: String { "\(prefix):sweeping" }
    /// Stream of final task results for the coordinators.
    public var events: String { "\(prefix):events" }
    /// Sorted set of running tasks by lease deadline.
    public var leases: String { "\(prefix):leases" }
    /// Sorted set of tasks waiting out a retry backoff, by due time.
    public var delayed: String { "\(prefix):delayed" }
    /// Sorted set of refs by when the task, queued, must have started (queue timeouts and wait
    /// steps; `expire_queued`).
    public var queueTimeouts: String { "\(prefix):queuetimeouts" }
    /// Sorted set of run ids by when their workflow `timeout` ends (`expire_runs`).
    public var runDeadlines: String { "\(prefix):deadlines" }
    /// Sorted set of worker names by last heartbeat.
    public var workers: String { "\(prefix):workers" }
    /// The coordinator leader lease (`<coordinator id>:<fence>`).
    public var leader: String { "\(prefix):leader" }
    /// Counter giving each new leader its fencing token.
    public var fence: String { "\(prefix):fence" }
    /// List of dead letters (JSON), newest first, capped at 10 000: tasks that failed for good
    /// and ready-queue members that are no task of any run.
    public var deadLetters: String { "\(prefix):dlq" }
    /// Counter giving each dead letter its id.
    public var deadLetterSequence: String { "\(prefix):dlq:seq" }
    /// Channel announcing refs of running tasks that must stop now.
    public var cancellations: String { "\(prefix):cancellations" }

    /// Hash of one run's fields.
    public func run(_ runID: String) -> String { "\(prefix):run:\(runID)" }
    /// List of a run's task ids in plan order.
    public func runTasks(_ runID: String) -> String { "\(prefix):run:\(runID):tasks" }
    /// Hash of a run's task specs (task id → spec JSON), kept out of the task hashes so they stay
    /// compact listpacks (docs/protocol.md, *Task fields*).
    public func runSpecs(_ runID: String) -> String { "\(prefix):run:\(runID):specs" }
    /// Set of ids of a run stored in slices that a dependency's result reached before they were stored.
    public func runEarly(_ runID: String) -> String { "\(prefix):run:\(runID):early" }
    /// List of a run's skips and releases left for later calls (`s<pos>:<id>`, `r<pos>:<id>`).
    public func runWalk(_ runID: String) -> String { "\(prefix):run:\(runID):walk" }
    /// Hash of a run's retry in progress (phase, cursor, ...); its marks, frontier and reset
    /// ids live under the same name with `:marks`, `:frontier` and `:ids`.
    public func runRetry(_ runID: String) -> String { "\(prefix):run:\(runID):retry" }
    /// A run's capped progress stream.
    public func runEvents(_ runID: String) -> String { "\(prefix):run:\(runID):events" }
    /// A run's outcome stream: each `run_finished` of the run, under its entry id in the progress stream.
    public func runOutcome(_ runID: String) -> String { "\(prefix):run:\(runID):outcome" }
    /// A run's live pub/sub channel (same events as the stream, as JSON).
    public func runLive(_ runID: String) -> String { "\(prefix):run:\(runID):live" }
    /// Hash of one task's fields.
    public func task(_ ref: TaskRef) -> String { "\(prefix):task:\(ref)" }
    /// Sorted set of a queue's claimable tasks.
    public func ready(queue: String) -> String { "\(prefix):queue:\(queue):ready" }
    /// List of wake-up tokens idle workers of a queue block on.
    public func wake(queue: String) -> String { "\(prefix):queue:\(queue):wake" }
    /// Hash describing one worker.
    public func worker(_ name: String) -> String { "\(prefix):worker:\(name)" }
}
