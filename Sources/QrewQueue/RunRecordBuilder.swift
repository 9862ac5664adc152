import Foundation
import QrewCore

import Synchronization

/// Turns a decomposed workflow into the `RunRecord` that `submit_run` stores: one task spec per
/// task, the concurrency limits each task takes a slot of, and the outputs each spec reads.
enum RunRecordBuilder {
    /// - Parameter retention: how long the finished run stays; stored as the run's `retention`
    ///   field (ms), which also lets `complete` apply results inline (docs/protocol.md).
    static func record(
        runID: String, workflow: Workflow, graph: TaskGraph, file: String, params: [String: String], retention: Duration
    ) -> RunRecord {
        var tasksByStep: [String: [String]] = [:]
        for task in graph.tasks { tasksByStep[task.stepID, default: []].append(task.id) }

        var capacities: [String: Int] = [:]
        if let runLimit = workflow.parallel.maxConcurrency { capacities["run"] = runLimit }
        for (pool, size) in workflow.parallel.resources { capacities["pool:\(pool)"] = size }
        for task in graph.tasks {
            if let stepLimit = task.settings.maxConcurrency { capacities["step:\(task.stepID)"] = stepLimit }
        }
        let limitedByRun = capacities["run"] != nil
        let conditions = ConditionLookup(graph: graph, tasksByStep: tasksByStep)
        let records = buildInParallel(graph.tasks) { [tasksByStep] task in
            taskRecord(task, runID: runID, workflowName: workflow.name, limitedByRun: limitedByRun, tasksByStep: tasksByStep,
                       conditions: conditions)
        }
        let paramsJSON = params.jsonObjectText
        var fields = [
            "name": workflow.name, "failFast": workflow.failFast ? "true" : "false", "file": file, "params": paramsJSON,
            "retention": String(Int(retention / .milliseconds(1))),
        ]
        if let timeout = workflow.timeout { fields["timeoutMs"] = String(Int(timeout / .milliseconds(1))) }
        fields.merge(childWorkflowRunFields(graph)) { _, child in child }
        if let group = workflow.concurrencyGroup {
            fields["concurrencyGroup"] = group
            if workflow.cancelInProgress { fields["cancelInProgress"] = "true" }
        }
        return RunRecord(runID: runID, fields: fields, limits: capacities, tasks: records)
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

    /// `transform` of every element, in order, computed on all cores for a large run: intake
    /// holds up a new run's first task, and nothing else needs the CPU while it lasts.
    private static func buildInParallel(
        _ tasks: [PlannedTask], _ transform: @escaping @Sendable (PlannedTask) -> TaskRecord
    ) -> [TaskRecord] {
        let parts = tasks.count < 1000 ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard parts > 1 else { return tasks.map(transform) }
        let size = (tasks.count + parts - 1) / parts
        let results = Mutex([[TaskRecord]](repeating: [], count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let slice = tasks[min(tasks.count, part * size)..<min(tasks.count, (part + 1) * size)]
            let built = slice.map(transform)
            results.withLock { $0[part] = built }
        }
        return results.withLock { $0.flatMap { $0 } }
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
