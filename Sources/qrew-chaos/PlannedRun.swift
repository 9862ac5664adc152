/// One generated run as the verifier needs it: its steps, their dependencies and what each runs.
struct PlannedRun: Sendable {
    /// What a step runs.
    enum Action: Sendable, Hashable {
        /// `sh -c` appending `start`/`end` lines to the run's side-effect file, sleeping in between.
        case shell(sleepMilliseconds: Int)
        /// The built-in `echo` handler: no process, no side effect.
        case echo
        /// Like `shell`, but printing the JSON array of `items` as its output: the list a
        /// dynamic fan-out expands over.
        case list(items: [String])
        /// A dynamic fan-out over the output of step `source` (a `list`): one placeholder task
        /// (the join, id = the step id) and one shell task per item (`<step>[<i>]`), each printing
        /// `<run> <task> <attempt> <item>` after sleeping `sleepMilliseconds`.
        case fanOut(source: String, items: [String], sleepMilliseconds: Int)
        /// The built-in `echo` handler printing `${{ steps.<fanOut>.outputs }}`: the fan-out's
        /// outputs in element order.
        case gather(fanOut: String)
    }

    struct Step: Sendable {
        let id: String
        let dependsOn: [String]
        /// Matrix values (`i=0...`); 0 means a plain step (one task).
        let matrixSize: Int
        let action: Action
        /// The shared pool (`WorkflowGenerator.pools`) it holds a slot of while it runs, if any.
        let pool: String?
        /// The keyed concurrency key (`WorkflowGenerator.concurrencyKeys`) it holds a slot of, if any.
        var concurrencyKey: String? = nil
        /// Whether its starts count against `WorkflowGenerator.rateLimit`.
        var rateLimited = false

        var taskCount: Int {
            if case .fanOut(_, let items, _) = action { return items.count + 1 }
            return max(matrixSize, 1)
        }

        /// The item a fan-out task (`<step>[<i>]`) was given; nil for other tasks and the join.
        func fanOutItem(ofTask taskID: String) -> String? {
            guard case .fanOut(_, let items, _) = action, taskID.hasPrefix(id + "["), taskID.hasSuffix("]"),
                  let index = Int(taskID.dropFirst(id.count + 1).dropLast()), items.indices.contains(index)
            else { return nil }
            return items[index]
        }

        /// Whether task `taskID` of this step appends `start`/`end` lines to the side-effect file.
        func writesSideEffects(_ taskID: String) -> Bool {
            switch action {
            case .shell, .list: true
            case .fanOut: taskID != id
            case .echo, .gather: false
            }
        }
    }

    let runID: String
    let steps: [Step]
    /// The workflow file (JSON) as submitted.
    let workflow: String
    /// Where the run's shell steps append their lines.
    let sideEffectPath: String

    var taskCount: Int { steps.reduce(0) { $0 + $1.taskCount } }

    /// The pool a task holds a slot of: its step's (a matrix task's id is `<step>[...]`); a keyed
    /// concurrency limit counts as the pool `key:<key>` (generated steps hold one or the other).
    func pool(ofTask taskID: String) -> String? {
        guard let step = step(ofTask: taskID) else { return nil }
        return step.pool ?? step.concurrencyKey.map { "key:\($0)" }
    }

    /// Whether a task's starts count against the shared rate limit.
    func isRateLimited(_ taskID: String) -> Bool {
        step(ofTask: taskID)?.rateLimited ?? false
    }

    private func step(ofTask taskID: String) -> Step? {
        let stepID = taskID.firstIndex(of: "[").map { String(taskID[..<$0]) } ?? taskID
        return steps.first { $0.id == stepID }
    }

    /// The same run under another id: a scheduled run of this plan's workflow.
    func renamed(_ id: String) -> PlannedRun {
        PlannedRun(runID: id, steps: steps, workflow: workflow, sideEffectPath: sideEffectPath)
    }

    /// Steps by id.
    var stepsByID: [String: Step] { Dictionary(uniqueKeysWithValues: steps.map { ($0.id, $0) }) }
}
