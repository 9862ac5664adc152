import Foundation
import QrewCore

extension RunRecordBuilder {
    /// The run-hash fields of a run's child workflows: `childWorkflow:<step id>`, the JSON of
    /// each workflow step's `ChildWorkflow` (text, file name, included files), which the leader's
    /// child workflow loop reads when one of the step's tasks starts its child run. Once per step,
    /// not per task: a matrix of child runs stores its child workflow once. Keys are sorted, so
    /// every coordinator writes the same text: a step's signature covers it, and a coordinator
    /// resuming a run stored in slices signs the rest of its tasks against the field the first
    /// one stored.
    static func childWorkflowRunFields(_ graph: TaskGraph) -> [String: String] {
        var fields: [String: String] = [:]
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let tasks = graph.tasks
        for index in tasks.indices {
            guard let child = tasks[index].settings.childWorkflow else { continue }
            let key = "childWorkflow:\(tasks[index].stepID)"
            guard fields[key] == nil, let data = try? encoder.encode(child) else { continue }
            fields[key] = String(decoding: data, as: UTF8.self)
        }
        return fields
    }

    /// The task-hash fields of a child-workflow step with `retries` (empty for every other
    /// task): `childAttempts` (child runs it may start) and `childRetry` (the backoff between
    /// them, `backoff,initialMs,capMs,jitter`), which `finish_children` follows after a failed
    /// child.
    static func childWorkflowFields(_ settings: TaskSettings) -> [String: String] {
        guard settings.childWorkflow != nil else { return [:] }
        var fields: [String: String] = [:]
        let policy = settings.retry
        if policy.maxAttempts > 1, policy.retryOn.contains(.failure) {
            let initial = NumericBounds.clamp(policy.initial), cap = NumericBounds.clamp(policy.cap)
            fields["childAttempts"] = String(policy.maxAttempts)
            fields["childRetry"] = "\(policy.backoff.rawValue),\(initial.milliseconds),\(cap.milliseconds),\(policy.jitter ? 1 : 0)"
        }
        return fields
    }
}

extension RunRecordBuilder {
    /// The record of a child-workflow step: like a fan-out placeholder, an attempt the leader
    /// lost before it started the child run (the leader died) is retried after a second, a few
    /// times (on top of the child runs its `retries` allow); a finished child run ends the step or
    /// starts the next one (`finish_children`).
    static func childWorkflowRecord(_ record: TaskRecord) -> TaskRecord {
        TaskRecord(
            id: record.id, step: record.step, queue: record.queue, priority: record.priority, deps: record.deps,
            dependents: record.dependents, limits: record.limits, refs: record.refs, spec: record.spec,
            maxAttempts: FanOutPlan.placeholderAttempts + record.maxAttempts, continueOnError: record.continueOnError,
            lostRetry: FanOutPlan.placeholderLostRetry, fields: record.fields)
    }
}
