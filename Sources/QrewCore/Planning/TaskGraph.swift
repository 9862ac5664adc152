/// A workflow expanded into tasks: matrix fan-out done, dependencies resolved to task ids,
/// settings resolved and every task scored. This is what the coordinator schedules.
///
/// Tasks are stored in step order (then matrix order) with integer adjacency internally, so
/// planning and analysis stay O(tasks + edges).
public struct TaskGraph: Sendable {
    /// Name of the workflow the graph was planned from.
    public let workflowName: String
    /// All tasks, in step declaration order then matrix order. Loops over every task read them
    /// by index (`tasks[index].id`): `for task in tasks` and key-path `map`s copy each task, every
    /// string of its settings retained and released, which was a tenth of an intake's CPU
    /// (docs/benchmarks.md, "Worker and intake CPU per task").
    public let tasks: [PlannedTask]
    /// Task index → indices of the tasks it depends on.
    let dependencies: AdjacencyList
    /// Task index → indices of the tasks waiting on it.
    let dependents: AdjacencyList
    /// Task index by task id.
    let indexByID: [String: Int]

    init(workflowName: String, tasks: [PlannedTask], dependencies: AdjacencyList, dependents: AdjacencyList) {
        self.workflowName = workflowName
        self.tasks = tasks
        self.dependencies = dependencies
        self.dependents = dependents
        var indexByID: [String: Int] = [:]
        indexByID.reserveCapacity(tasks.count)
        for index in tasks.indices { indexByID[tasks[index].id] = index }
        self.indexByID = indexByID
    }

    /// The task with this id, if any.
    public subscript(id: String) -> PlannedTask? {
        indexByID[id].map { tasks[$0] }
    }

    /// Ids of the tasks with no dependencies: the first batch a coordinator can push.
    public var initiallyReady: [String] {
        tasks.indices.filter { dependencies.degree(of: $0) == 0 }.map { tasks[$0].id }
    }
}
