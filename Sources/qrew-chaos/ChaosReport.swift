/// What the verification found: the four counts that must be zero, plus every problem with the
/// details someone needs to diagnose it (run, task, states, times, faults nearby).
struct ChaosReport: Sendable {
    enum Category: String, Sendable {
        case lost, doubled
        case order = "order_violations"
        case unfinished
        /// A task started while its shared pool already had `size` leases in flight (any run).
        case pool = "pool_violations"
        /// More starts of rate-limited tasks within one span than the shared rate limit allows.
        case rate = "rate_violations"
        /// A run that finished but not `succeeded` (every generated run should succeed).
        case notSucceeded = "not_succeeded"
        /// A coordinator or worker that exited although nobody killed it.
        case crashed
        /// A process that did not recover from a fault in time (a worker silent after a partition healed).
        case hung
    }

    struct Problem: Sendable {
        let category: Category
        let runID: String
        let taskID: String?
        let detail: String
        /// When it happened (wall ms), to list the faults around it; nil if unknown.
        let wallMilliseconds: Int?
    }

    private(set) var problems: [Problem] = []
    /// Shell tasks whose side effects show more than one start (at-least-once at work).
    var reexecuted = 0
    /// `task_retrying` events with outcome `lost` (leases the coordinator took back).
    var reapedLeases = 0
    /// Dynamic fan-outs verified whole (expanded once, every task succeeded once, join in order).
    var fanOuts = 0
    /// The tasks of those fan-outs.
    var fanOutTasks = 0
    /// Schedule ticks that came due, and how many of them produced exactly one run that succeeded.
    var scheduleTicks = 0
    var scheduledRunsSucceeded = 0
    /// (run, task, category) already counted: each task counts once per category.
    private var counted: Set<String> = []

    mutating func add(_ category: Category, run: String, task: String? = nil, _ detail: String, at wall: Int? = nil) {
        problems.append(Problem(category: category, runID: run, taskID: task, detail: detail, wallMilliseconds: wall))
        counted.insert("\(run)/\(task ?? "")/\(category.rawValue)")
    }

    func count(_ category: Category) -> Int {
        counted.filter { $0.hasSuffix("/" + category.rawValue) }.count
    }

    var passed: Bool { problems.isEmpty }
}
