/// What Redis holds right now about a run's waiting tasks (`qctl why`): read by QrewQueue in
/// pipelined reads, explained by `WaitDiagnosis` without I/O.
public struct WaitFacts: Sendable, Hashable {
    /// A slot limit (pool, run or step `maxConcurrency`, keyed concurrency) as it stands.
    public struct Limit: Sendable, Hashable {
        public var size: Int?
        public var inflight: Int
        /// Refs (`run/task`) of the running tasks holding a slot.
        public var holders: [String]

        public init(size: Int?, inflight: Int, holders: [String]) {
            self.size = size
            self.inflight = inflight
            self.holders = holders
        }
    }

    /// The live workers serving one queue.
    public struct QueueService: Sendable, Hashable {
        public var workers: [String]
        public var slots: Int
        public var running: Int

        public init(workers: [String], slots: Int, running: Int) {
            self.workers = workers
            self.slots = slots
            self.running = running
        }
    }

    /// A closed gate a task waits at (circuit breaker, rate limit, full concurrency key).
    public struct Gate: Sendable, Hashable {
        public var summary: String
        /// When it may open (ms), if known.
        public var until: Int?

        public init(summary: String, until: Int?) {
            self.summary = summary
            self.until = until
        }
    }

    public var runState: String
    /// Now on Redis's clock (ms).
    public var now: Int
    /// Every task of the run by id: its hash fields.
    public var tasks: [String: [String: String]] { didSet { dependencies = Self.dependencies(tasks) } }
    /// Task id → ids of the tasks it depends on (from their `dependents`).
    public private(set) var dependencies: [String: [String]]
    /// The run's task ids in plan order.
    public var order: [String]
    /// Ids of the run's tasks waiting out a retry backoff (`P:delayed`).
    public var delayed: Set<String>
    /// Ids of tasks in their queue's ready set (claimable now).
    public var queued: Set<String>
    /// Task id → the limits whose parked sets hold it.
    public var parkedOn: [String: [String]]
    /// The limits of the ready tasks, as they stand.
    public var limits: [String: Limit]
    /// Task id → the gate it waits at.
    public var gates: [String: Gate]
    /// Queue name → its live workers (a queue no live worker serves is absent).
    public var queues: [String: QueueService]

    public init(runState: String, now: Int, tasks: [String: [String: String]], order: [String] = [], delayed: Set<String> = [],
                queued: Set<String> = [], parkedOn: [String: [String]] = [:], limits: [String: Limit] = [:],
                gates: [String: Gate] = [:], queues: [String: QueueService] = [:]) {
        self.runState = runState
        self.now = now
        self.tasks = tasks
        self.dependencies = Self.dependencies(tasks)
        self.order = order.isEmpty ? tasks.keys.sorted() : order
        self.delayed = delayed
        self.queued = queued
        self.parkedOn = parkedOn
        self.limits = limits
        self.gates = gates
        self.queues = queues
    }

    static func dependencies(_ tasks: [String: [String: String]]) -> [String: [String]] {
        var dependencies: [String: [String]] = [:]
        for (id, fields) in tasks.sorted(by: { $0.key < $1.key }) {
            for dependent in RunRecords.jsonStrings(fields["dependents"] ?? "") { dependencies[dependent, default: []].append(id) }
        }
        return dependencies
    }
}
