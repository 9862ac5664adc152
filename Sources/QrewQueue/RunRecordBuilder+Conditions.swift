import QrewCore

/// What a task with `if:` carries (docs/protocol.md, *Conditions*): the condition in its spec for
/// the worker that evaluates it, and the `condition` task field that tells lib/finish to count a
/// dependency of any final state off it instead of skipping it.
extension RunRecordBuilder {
    /// Which step each task belongs to and which steps have `continueOnError`; built only for a
    /// run that has a step with `if:`.
    struct ConditionLookup: Sendable {
        let stepOfTask: [String: String]
        let tasksByStep: [String: [String]]
        let tolerated: Set<String>

        init?(graph: TaskGraph, tasksByStep: [String: [String]]) {
            let tasks = graph.tasks
            guard tasks.indices.contains(where: { tasks[$0].settings.condition != nil }) else { return nil }
            var stepOfTask: [String: String] = [:]
            var tolerated: Set<String> = []
            for index in tasks.indices {
                stepOfTask[tasks[index].id] = tasks[index].stepID
                if tasks[index].settings.continueOnError { tolerated.insert(tasks[index].stepID) }
            }
            self.stepOfTask = stepOfTask
            self.tasksByStep = tasksByStep
            self.tolerated = tolerated
        }

        /// The spec's condition of `task`, or nil when its step has no `if:`.
        func condition(of task: PlannedTask) -> TaskCondition? {
            guard let condition = task.settings.condition else { return nil }
            var dependencies: [String: [String]] = [:]
            for dependency in task.dependsOn {
                guard let step = stepOfTask[dependency], dependencies[step] == nil else { continue }
                dependencies[step] = tasksByStep[step] ?? []
            }
            return TaskCondition(
                expression: condition.expression.description, text: condition.text, dependencies: dependencies,
                tolerated: dependencies.keys.filter(tolerated.contains).sorted())
        }
    }

    /// The `condition` task field (the expression, params substituted) of a task with `if:`; empty otherwise.
    static func conditionFields(_ condition: TaskCondition?) -> [String: String] {
        guard let condition else { return [:] }
        return ["condition": condition.expression]
    }
}
