/// The stable JSON document behind `qctl plan --json` (encode with sorted keys for byte-stable
/// output). Durations are seconds as numbers so any language can read them.
public struct PlanReport: Sendable, Hashable, Codable {
    /// One task in the report.
    public struct Task: Sendable, Hashable, Codable {
        /// Task id.
        public var id: String
        /// Step id.
        public var step: String
        /// Task ids it waits for.
        public var dependsOn: [String]
        /// Priority score.
        public var priority: Int
        /// Dependency level (index into `levels`).
        public var level: Int
        /// Set for a dynamic fan-out: the one node expands at run time (`PlanReport+RunTime`).
        public var fanOut: FanOut? = nil
        /// The step's `if:` as written; evaluated when its dependencies have finished.
        public var condition: String? = nil
        /// Set for an approval or wait step: what it waits for, on no worker.
        public var waitsFor: Await? = nil
    }

    /// Workflow name.
    public var name: String
    /// Task ids by level, in dependency order.
    public var levels: [[String]]
    /// Longest chain by task count.
    public var criticalPath: [String]
    /// Longest chain by estimated duration, when estimates were given.
    public var criticalPathByDuration: [String]?
    /// Its total in seconds, when estimates were given.
    public var criticalPathDuration: Double?
    /// Largest level size.
    public var width: Int
    /// Tasks per level.
    public var parallelizationRatio: Double
    /// Number of tasks.
    public var taskCount: Int
    /// Tasks in the order a single-slot worker would run them.
    public var priorityOrder: [String]
    /// All tasks in graph order.
    public var tasks: [Task]

    /// Builds the report from a graph and its analysis.
    public init(graph: TaskGraph, analysis: PlanAnalysis) {
        name = graph.workflowName
        levels = analysis.levels
        criticalPath = analysis.criticalPath
        criticalPathByDuration = analysis.criticalPathByDuration
        criticalPathDuration = analysis.criticalPathDuration.map { duration in
            let (seconds, attoseconds) = duration.components
            return Double(seconds) + Double(attoseconds) / 1e18
        }
        width = analysis.maxWidth
        parallelizationRatio = analysis.parallelizationRatio
        taskCount = analysis.taskCount
        priorityOrder = analysis.priorityOrder
        tasks = graph.tasks.map { task in
            Task(id: task.id, step: task.stepID, dependsOn: task.dependsOn, priority: task.priority,
                 level: analysis.levelByTask[task.id] ?? 0, fanOut: task.settings.fanOut.map(FanOut.init),
                 condition: task.settings.condition?.text, waitsFor: Await(task.settings))
        }
    }
}
