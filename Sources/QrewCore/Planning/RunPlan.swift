/// The shape of a stored run's task graph, rebuilt from its task records (each task's
/// `dependents`): dependency levels, the longest chain, and the edges. What `GET
/// /api/runs/{id}/plan` serves and the dashboard draws; unlike `PlanReport` it needs no workflow
/// file, so it also covers the tasks a dynamic fan-out added at run time.
public struct RunPlan: Sendable, Hashable, Codable {
    /// One task as the run stored it.
    public struct Input: Sendable, Hashable {
        public var id: String
        public var step: String
        public var priority: Int
        /// Ids of the tasks that wait for this one.
        public var dependents: [String]

        public init(id: String, step: String, priority: Int, dependents: [String]) {
            (self.id, self.step, self.priority, self.dependents) = (id, step, priority, dependents)
        }
    }

    /// One task of the plan.
    public struct Task: Sendable, Hashable, Codable {
        public var id: String
        public var step: String
        /// Task ids it waits for, in run order.
        public var dependsOn: [String]
        public var priority: Int
        /// Dependency level (index into `levels`).
        public var level: Int
    }

    /// Run id.
    public var run: String
    /// Workflow name.
    public var name: String
    /// Task ids by level: a task's level is one more than its deepest dependency's.
    public var levels: [[String]]
    /// Longest chain by task count, first task first.
    public var criticalPath: [String]
    /// Largest level size.
    public var width: Int
    /// Tasks per level.
    public var parallelizationRatio: Double
    /// Number of tasks.
    public var taskCount: Int
    /// Every task in run order.
    public var tasks: [Task]
    /// `[from, to]`: `to` depends on `from`.
    public var edges: [[String]]

    /// Builds the plan of run `run`. Dependents that name no task of the run (a task not stored
    /// yet) are left out; a cycle, which no stored run has, puts its tasks on the last level.
    public init(run: String, name: String, tasks inputs: [Input]) {
        let index = Dictionary(inputs.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        var dependsOn = Array(repeating: [Int](), count: inputs.count)
        var edges: [[String]] = []
        for (from, input) in inputs.enumerated() {
            for dependent in input.dependents {
                guard let to = index[dependent] else { continue }
                dependsOn[to].append(from)
                edges.append([input.id, dependent])
            }
        }
        // Kahn's order: levels and the longest chain ending at each task.
        var remaining = dependsOn.map(\.count)
        var level = Array(repeating: 0, count: inputs.count)
        var previous = Array(repeating: -1, count: inputs.count)
        var queue = (0..<inputs.count).filter { remaining[$0] == 0 }
        var visited = Array(repeating: false, count: inputs.count)
        var head = 0
        while head < queue.count {
            let task = queue[head]
            head += 1
            visited[task] = true
            for dependent in inputs[task].dependents {
                guard let to = index[dependent] else { continue }
                if level[task] + 1 > level[to] { (level[to], previous[to]) = (level[task] + 1, task) }
                remaining[to] -= 1
                if remaining[to] == 0 { queue.append(to) }
            }
        }
        let deepest = inputs.indices.filter { visited[$0] }.map { level[$0] }.max() ?? -1
        for task in inputs.indices where !visited[task] { (level[task], previous[task]) = (deepest + 1, -1) }
        let levelCount = inputs.isEmpty ? 0 : (level.max() ?? 0) + 1
        var levels = Array(repeating: [String](), count: levelCount)
        for (task, input) in inputs.enumerated() { levels[level[task]].append(input.id) }
        var path: [String] = []
        if var last = inputs.indices.max(by: { level[$0] < level[$1] }) {
            path.append(inputs[last].id)
            while previous[last] >= 0, path.count <= inputs.count {
                last = previous[last]
                path.append(inputs[last].id)
            }
        }
        self.run = run
        self.name = name
        self.levels = levels
        self.criticalPath = path.reversed()
        self.width = levels.map(\.count).max() ?? 0
        self.parallelizationRatio = levels.isEmpty ? 0 : Double(inputs.count) / Double(levels.count)
        self.taskCount = inputs.count
        self.tasks = inputs.enumerated().map { task, input in
            Task(id: input.id, step: input.step, dependsOn: dependsOn[task].map { inputs[$0].id }, priority: input.priority, level: level[task])
        }
        self.edges = edges
    }
}
