/// What `RunStatistics` reads about a run: its tasks with every attempt, rebuilt from the run's
/// stored task hashes and progress events (docs/protocol.md). Plain values, no I/O.
public struct RunRecords: Sendable, Hashable {
    /// One attempt of a task: when it became claimable, started and ended (ms since the epoch).
    public struct Attempt: Sendable, Hashable {
        /// When the attempt became claimable (queued, retry due, handed back); nil when unknown
        /// (the first attempt: then its dependencies' finish, or the run's creation, stand in).
        public var readyAt: Int?
        public var startedAt: Int
        /// Nil while it runs.
        public var endedAt: Int?
        /// How it ended: a final state (`succeeded`, `failed`, ...), `retry:<outcome>` for an
        /// attempt retried after `failed`/`timed_out`/`lost`, `handed_back`; nil while it runs.
        public var outcome: String?

        public init(readyAt: Int?, startedAt: Int, endedAt: Int?, outcome: String?) {
            self.readyAt = readyAt
            self.startedAt = startedAt
            self.endedAt = endedAt
            self.outcome = outcome
        }
    }

    /// One task of the run.
    public struct Task: Sendable, Hashable {
        public var id: String
        public var step: String
        /// The task's stored state (`waiting`, `ready`, `running`, `succeeded`, ...).
        public var state: String
        /// Ids of the tasks it depends on.
        public var dependencies: [String]
        /// The limits it holds while running (`run`, `step:<id>`, `pool:<name>`, `key:<n>:<key>`).
        public var limits: [String]
        public var attempts: [Attempt]
        /// When it became ready for its current attempt (the hash's `queuedAt`), if known.
        public var queuedAt: Int?
        /// When its last attempt ended (the hash's `finishedAt`) once final.
        public var finishedAt: Int?
        /// Its gates as stored (`breaker:<failures>:<windowMs>:<cooldownMs>:<key>`, `rate:...`).
        public var gates: [String]

        public init(id: String, step: String, state: String, dependencies: [String], limits: [String],
                    attempts: [Attempt], queuedAt: Int? = nil, finishedAt: Int? = nil, gates: [String] = []) {
            self.id = id
            self.step = step
            self.state = state
            self.dependencies = dependencies
            self.limits = limits
            self.attempts = attempts
            self.queuedAt = queuedAt
            self.finishedAt = finishedAt
            self.gates = gates
        }

        /// True once the task reached a state it leaves only by a retry of the run.
        public var isFinal: Bool { RunRecords.finalStates.contains(state) }
    }

    /// Task states that end a task.
    public static let finalStates: Set<String> = ["succeeded", "failed", "timed_out", "lost", "skipped", "canceled"]
    /// States in which a task runs nothing (final, or a dynamic fan-out's placeholder turned
    /// into the join of its tasks): its last attempt is over.
    public static let attemptEndedStates = finalStates.union(["expanded"])

    public var runID: String
    /// The workflow's name (what learned estimates are kept under).
    public var workflow: String
    public var state: String
    /// When the run was stored (ms).
    public var createdAt: Int
    /// When the run finished; nil while it goes on.
    public var finishedAt: Int?
    /// Now, on Redis's clock (ms): the end of a run still going.
    public var now: Int
    /// Tasks in plan order.
    public var tasks: [Task]
    /// Size of each limit the tasks name (pool sizes, per-run capacities); a keyed limit's size
    /// is read from its name.
    public var limitSizes: [String: Int]
    /// Learned p50 run time (ms) per step of the workflow (`P:estimates:<workflow>`).
    public var estimates: [String: Int]
    /// Slot changes of workers running the run's tasks (`throttles`).
    public var throttles: Int
    /// The circuit breakers the tasks pass, by escaped key: their state now (`P:breaker:<key>`).
    public var breakers: [String: BreakerState]

    /// A circuit breaker as it stands when the statistics are read.
    public struct BreakerState: Sendable, Hashable {
        /// `closed`, `open` or `half_open`.
        public var state: String
        /// While open: when its cooldown ends (ms).
        public var until: Int?

        public init(state: String, until: Int?) {
            self.state = state
            self.until = until
        }
    }

    public init(runID: String, workflow: String, state: String, createdAt: Int, finishedAt: Int?, now: Int,
                tasks: [Task], limitSizes: [String: Int] = [:], estimates: [String: Int] = [:], throttles: Int = 0,
                breakers: [String: BreakerState] = [:]) {
        self.runID = runID
        self.workflow = workflow
        self.state = state
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.now = now
        self.tasks = tasks
        self.limitSizes = limitSizes
        self.estimates = estimates
        self.throttles = throttles
        self.breakers = breakers
    }

    /// The escaped keys of the circuit breakers the tasks pass.
    public var breakerKeys: [String] {
        Array(Set(tasks.flatMap { $0.gates.compactMap { BreakerGate($0)?.escapedKey } })).sorted()
    }

    /// The end of the span the statistics cover: the run's finish, or now.
    public var end: Int { max(finishedAt ?? now, createdAt) }

    /// The size of `limit`: a keyed limit (`key:<n>:<key>`) carries it in its name.
    public func size(ofLimit limit: String) -> Int? {
        limitSizes[limit] ?? Self.keyedLimitSize(limit)
    }

    /// The size a keyed limit (`key:<n>:<key>`) carries in its name; nil for other limits.
    public static func keyedLimitSize(_ limit: String) -> Int? {
        let parts = limit.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, parts[0] == "key" else { return nil }
        return Int(parts[1])
    }
}
