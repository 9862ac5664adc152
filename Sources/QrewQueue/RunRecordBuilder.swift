import QrewCore

/// Turns a decomposed workflow into what `submit_run` stores (`RunStorage`, `RunRecord`): one task
/// spec per task, the concurrency limits each task takes a slot of, and the outputs each spec reads.
enum RunRecordBuilder {
    /// The run's fields, limits and storage order, with its task records (each spec as JSON, the
    /// limits it takes a slot of, the outputs it reads) made, and signed by `signer` when given,
    /// as a storing call needs them (`RunStorage`; `record` makes them all).
    ///
    /// - Parameter retention: how long the finished run stays; stored as the run's `retention`
    ///   field (ms), which also lets `complete` apply results inline (docs/protocol.md).
    static func storage(
        runID: String, workflow: Workflow, graph: TaskGraph, file: String, params: [String: String], retention: Duration,
        signer: TaskSigner?
    ) -> RunStorage {
        let plan = Plan(runID: runID, workflow: workflow, graph: graph, file: file, params: params, retention: retention)
        let tasks = graph.tasks
        let fields = plan.fields
        let make: @Sendable (Int) -> TaskRecord = if let signer {
            { position in plan.taskRecord(tasks[position]).signed(by: signer, runID: runID, runFields: fields) }
        } else {
            { position in plan.taskRecord(tasks[position]) }
        }
        return RunStorage(
            runID: runID, fields: fields, limits: plan.limits, taskCount: tasks.count,
            slicedOrder: RunStorage.storageOrder(
                deps: tasks.indices.map { tasks[$0].dependsOn.count }, priorities: tasks.indices.map { tasks[$0].priority }),
            records: { positions in positions.parallelMap(make) })
    }

    /// What every task record of one run is made from: the run's fields and limits, and the
    /// lookups its tasks' records share.
    private struct Plan: Sendable {
        let runID: String
        let workflowName: String
        let fields: [String: String]
        let limits: [String: Int]
        let limitedByRun: Bool
        let tasksByStep: [String: [String]]
        let conditions: ConditionLookup?

        init(runID: String, workflow: Workflow, graph: TaskGraph, file: String, params: [String: String], retention: Duration) {
            // Read by index, as `TaskGraph.tasks` says why.
            let tasks = graph.tasks
            var tasksByStep: [String: [String]] = [:]
            for index in tasks.indices { tasksByStep[tasks[index].stepID, default: []].append(tasks[index].id) }

            var capacities: [String: Int] = [:]
            if let runLimit = workflow.parallel.maxConcurrency { capacities["run"] = runLimit }
            for (pool, size) in workflow.parallel.resources { capacities["pool:\(pool)"] = size }
            for index in tasks.indices {
                if let stepLimit = tasks[index].settings.maxConcurrency { capacities["step:\(tasks[index].stepID)"] = stepLimit }
            }
            var fields = [
                "name": workflow.name, "failFast": workflow.failFast ? "true" : "false", "file": file, "params": params.jsonObjectText,
                "retention": String(Int(retention / .milliseconds(1))),
            ]
            if let timeout = workflow.timeout { fields["timeoutMs"] = String(Int(timeout / .milliseconds(1))) }
            fields.merge(RunRecordBuilder.childWorkflowRunFields(graph)) { _, child in child }
            if let group = workflow.concurrencyGroup {
                fields["concurrencyGroup"] = group
                if workflow.cancelInProgress { fields["cancelInProgress"] = "true" }
            }
            self.runID = runID
            workflowName = workflow.name
            self.fields = fields
            limits = capacities
            limitedByRun = capacities["run"] != nil
            self.tasksByStep = tasksByStep
            conditions = ConditionLookup(graph: graph, tasksByStep: tasksByStep)
        }

        func taskRecord(_ task: PlannedTask) -> TaskRecord {
            RunRecordBuilder.taskRecord(
                task, runID: runID, workflowName: workflowName, limitedByRun: limitedByRun, tasksByStep: tasksByStep,
                conditions: conditions)
        }
    }

    /// The record of one task: its spec as JSON text and the limits it takes a slot of.
    private static func taskRecord(
        _ task: PlannedTask, runID: String, workflowName: String, limitedByRun: Bool, tasksByStep: [String: [String]],
        conditions: ConditionLookup?
    ) -> TaskRecord {
        let settings = task.settings
        var limits: [String] = []
        if limitedByRun, settings.queue != TaskSettings.awaitingQueue, settings.childWorkflow == nil { limits.append("run") }
        if let resource = settings.resource { limits.append("pool:\(resource)") }
        if settings.maxConcurrency != nil { limits.append("step:\(task.stepID)") }
        if let keyed = keyedLimit(settings) { limits.append(keyed) }
        var outputRefs: [String: [String]] = [:]
        for step in referencedSteps(settings) { outputRefs[step] = tasksByStep[step] ?? [] }
        var spec = TaskSpec(
            runID: runID, taskID: task.id, stepID: task.stepID, type: settings.type.rawValue, run: settings.run,
            shell: settings.shell, env: settings.env, cwd: settings.cwd, http: settings.http,
            with: settings.arguments.mapValues(\.description),
            timeoutMilliseconds: settings.timeout.map { Int($0 / .milliseconds(1)) },
            retry: settings.retry, outputRefs: outputRefs,
            cache: settings.cache.map { TaskCacheSettings($0, workflowName: workflowName, runID: runID) })
        spec.heartbeatTimeoutMilliseconds = settings.heartbeatTimeout.map { Int($0 / .milliseconds(1)) }
        spec.condition = conditions?.condition(of: task)
        let planned = TaskRecord(
            id: task.id, step: task.stepID, queue: settings.queue, priority: task.priority,
            deps: task.dependsOn.count, dependents: task.dependents, limits: limits,
            refs: outputRefs.values.flatMap { $0 }, spec: spec.jsonText,
            maxAttempts: settings.retry.maxAttempts, continueOnError: settings.continueOnError,
            lostRetry: TaskRecord.lostRetry(for: settings.retry),
            fields: schedulingFields(settings).merging(gateFields(settings)) { _, gate in gate }
                .merging(awaitingFields(settings)) { _, awaiting in awaiting }
                .merging(conditionFields(spec.condition)) { _, condition in condition }
                .merging(childWorkflowFields(settings)) { _, child in child })
        let record = settings.childWorkflow == nil ? planned : childWorkflowRecord(planned)
        guard let fanOut = settings.fanOut else { return record }
        return placeholderRecord(record, fanOut: fanOut, tasksByStep: tasksByStep)
    }

    /// Steps whose output the task's templates read (`${{ steps.X.output }}`).
    private static func referencedSteps(_ settings: TaskSettings) -> Set<String> {
        var texts = settings.run + Array(settings.env.values) + settings.arguments.values.map(\.description)
        if let cwd = settings.cwd { texts.append(cwd) }
        if let http = settings.http { texts += [http.url, http.body ?? ""] + Array(http.headers.values) }
        if let cache = settings.cache { texts += [cache.key, cache.similar].compactMap { $0 } }
        var steps: Set<String> = []
        for text in texts where Template.mayContainReference(text) {
            guard let template = try? Template(parsing: text) else { continue }
            for case .stepOutput(let step) in template.references { steps.insert(step) }
        }
        return steps
    }
}
