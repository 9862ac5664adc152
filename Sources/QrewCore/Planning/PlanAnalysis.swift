/// Static analysis of a `TaskGraph`: dependency levels, critical paths, width and the order a
/// single-slot worker would run tasks in. Used by `qctl plan` and by critical-path scheduling.
public struct PlanAnalysis: Sendable {
    /// Tasks by dependency level (Kahn layering: a task's level is 1 + the highest level of its
    /// dependencies, roots are level 0); within a level, priority descending then id.
    public let levels: [[String]]
    /// Level (index into `levels`) of each task, by task id.
    public let levelByTask: [String: Int]
    /// A longest dependency chain by task count, root first; its length equals `levels.count`.
    /// Ties: the chain ending at the lexicographically smallest id, then its smallest-id predecessors.
    public let criticalPath: [String]
    /// The longest chain by estimated duration, root first; `nil` without estimates.
    /// Tasks whose step has no estimate count as zero; among equally long chains the one with more
    /// tasks wins (so zero-estimate tails are kept), then smaller ids.
    public let criticalPathByDuration: [String]?
    /// Total estimated duration of `criticalPathByDuration`; `nil` without estimates.
    public let criticalPathDuration: Duration?
    /// The largest level: the most tasks that can ever run at once.
    public let maxWidth: Int
    /// `taskCount / levels.count` (0 for an empty graph): average useful parallelism.
    public let parallelizationRatio: Double
    /// The order a single-slot worker would run tasks: always the highest-priority ready task,
    /// ties by id. A valid topological order.
    public let priorityOrder: [String]
    /// Number of tasks.
    public let taskCount: Int

    /// Analyses `graph`; `durationEstimates` are keyed by step id (e.g. observed in earlier runs).
    public init(graph: TaskGraph, durationEstimates: [String: Duration]? = nil) {
        let tasks = graph.tasks
        let count = tasks.count
        let ids = tasks.map(\.id)
        let priorities = tasks.map(\.priority)
        let order = Self.topologicalOrder(graph)

        var level = [Int](repeating: 0, count: count)
        for task in order {
            for dependency in graph.dependencies.neighbors(of: task) {
                level[task] = max(level[task], level[dependency] + 1)
            }
        }
        let levelCount = count == 0 ? 0 : (level.max() ?? 0) + 1
        var buckets = [[Int]](repeating: [], count: levelCount)
        for task in 0..<count { buckets[level[task]].append(task) }
        let queue = ReadyQueue(priorities: priorities, ids: ids)
        levels = buckets.map { bucket in bucket.sorted(by: queue.runsBefore).map { ids[$0] } }
        var levelByTask: [String: Int] = [:]
        levelByTask.reserveCapacity(count)
        for task in 0..<count { levelByTask[ids[task]] = level[task] }
        self.levelByTask = levelByTask
        maxWidth = buckets.map(\.count).max() ?? 0
        taskCount = count
        parallelizationRatio = levelCount == 0 ? 0 : Double(count) / Double(levelCount)

        let unit = [Int64](repeating: 1, count: count)
        criticalPath = Self.longestPath(graph, weights: unit, order: order, ids: ids, level: level).path.map { ids[$0] }
        if let durationEstimates {
            let weights = tasks.map { task in
                durationEstimates[task.stepID].map { max(RetryPolicy.nanoseconds($0), 0) } ?? 0
            }
            let result = Self.longestPath(graph, weights: weights, order: order, ids: ids, level: level)
            criticalPathByDuration = result.path.map { ids[$0] }
            criticalPathDuration = .nanoseconds(result.total)
        } else {
            criticalPathByDuration = nil
            criticalPathDuration = nil
        }
        priorityOrder = Self.priorityOrder(graph, priorities: priorities, ids: ids).map { ids[$0] }
    }

    /// Kahn's algorithm in index order.
    static func topologicalOrder(_ graph: TaskGraph) -> [Int] {
        let count = graph.tasks.count
        var remaining = (0..<count).map { graph.dependencies.degree(of: $0) }
        var order = (0..<count).filter { remaining[$0] == 0 }
        order.reserveCapacity(count)
        var head = 0
        while head < order.count {
            let task = order[head]
            head += 1
            for dependent in graph.dependents.neighbors(of: task) {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { order.append(dependent) }
            }
        }
        return order
    }

    /// Heaviest root-to-task chain by summed weights; ties prefer deeper tasks, then smaller ids.
    private static func longestPath(
        _ graph: TaskGraph, weights: [Int64], order: [Int], ids: [String], level: [Int]
    ) -> (path: [Int], total: Int64) {
        guard !order.isEmpty else { return ([], 0) }
        func better(_ lhs: (distance: Int64, task: Int), than rhs: (distance: Int64, task: Int)) -> Bool {
            if lhs.distance != rhs.distance { return lhs.distance > rhs.distance }
            if level[lhs.task] != level[rhs.task] { return level[lhs.task] > level[rhs.task] }
            return ids[lhs.task] < ids[rhs.task]
        }
        var distance = weights
        var previous = [Int](repeating: -1, count: weights.count)
        for task in order {
            for dependency in graph.dependencies.neighbors(of: task) {
                let current = previous[task]
                if current == -1 || better((distance[dependency], dependency), than: (distance[current], current)) {
                    previous[task] = dependency
                }
            }
            if previous[task] != -1 { distance[task] = distance[previous[task]] &+ weights[task] }
        }
        var end = order[0]
        for task in order where better((distance[task], task), than: (distance[end], end)) {
            end = task
        }
        var path = [end]
        while previous[path[path.count - 1]] != -1 { path.append(previous[path[path.count - 1]]) }
        return (Array(path.reversed()), distance[end])
    }

    /// Simulates a single slot: repeatedly run the best ready task.
    private static func priorityOrder(_ graph: TaskGraph, priorities: [Int], ids: [String]) -> [Int] {
        let count = priorities.count
        var remaining = (0..<count).map { graph.dependencies.degree(of: $0) }
        var ready = ReadyQueue(priorities: priorities, ids: ids)
        for task in 0..<count where remaining[task] == 0 { ready.push(task) }
        var order: [Int] = []
        order.reserveCapacity(count)
        while let task = ready.pop() {
            order.append(task)
            for dependent in graph.dependents.neighbors(of: task) {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { ready.push(dependent) }
            }
        }
        return order
    }
}
