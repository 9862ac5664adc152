/// What `submit_run` and `store_tasks` store of a run: its fields, limits and task records,
/// the records made when a storing call needs them. A run's intake builds and signs each
/// slice just before it is stored (`RunIntake.stage`), so the first slice's tasks start while
/// the rest are still being built; a `RunRecord` (`storage`) has them all already.
public struct RunStorage: Sendable {
    public let runID: String
    /// Extra run fields (name, failFast, workflow file, ...), stored in the run hash.
    public let fields: [String: String]
    /// Limit name (`run`, `pool:<name>`, `step:<id>`) to capacity.
    public let limits: [String: Int]
    /// The run's task count.
    public let taskCount: Int
    /// Record-order positions in the order a run stored in slices is stored (`storageOrder`).
    package let slicedOrder: [Int]
    /// The task records at these record-order positions, in their order.
    package let records: @Sendable ([Int]) -> [TaskRecord]

    /// The run with every task record made, in record order.
    var record: RunRecord {
        RunRecord(runID: runID, fields: fields, limits: limits, tasks: records(Array(0..<taskCount)))
    }

    /// The same storage with `fields` merged over the run fields.
    func merging(fields extra: [String: String]) -> RunStorage {
        RunStorage(runID: runID, fields: fields.merging(extra) { _, new in new }, limits: limits, taskCount: taskCount,
                   slicedOrder: slicedOrder, records: records)
    }

    /// The order a run stored in slices is stored in (and listed in, `<run>:tasks`), as
    /// record-order positions of tasks with these `deps` and `priorities`: tasks ready at once
    /// first, best priority first (ties in record order), so the first slice holds what should
    /// start first; then the rest in record order. The same tasks always give the same order,
    /// so a coordinator can resume storing a run another one began.
    static func storageOrder(deps: [Int], priorities: [Int]) -> [Int] {
        var ready: [Int] = []
        var waiting: [Int] = []
        for position in deps.indices {
            if deps[position] == 0 { ready.append(position) } else { waiting.append(position) }
        }
        ready.sort { priorities[$0] != priorities[$1] ? priorities[$0] > priorities[$1] : $0 < $1 }
        return ready + waiting
    }
}

extension RunRecord {
    /// This record's storage: its tasks already made.
    public var storage: RunStorage {
        let tasks = tasks
        return RunStorage(
            runID: runID, fields: fields, limits: limits, taskCount: tasks.count,
            slicedOrder: RunStorage.storageOrder(deps: tasks.map(\.deps), priorities: tasks.map(\.priority)),
            records: { positions in positions.map { tasks[$0] } })
    }
}
