import Foundation
import QrewCore

extension RunRecordBuilder {
    /// The task-hash fields of a child-workflow step (empty for every other task):
    /// `childWorkflow`, the JSON of its `ChildWorkflow` (text, file name, included files), which
    /// the leader's child workflow loop reads when it starts the child run; with `retries`, also
    /// `childAttempts` (child runs it may start) and `childRetry` (the backoff between them,
    /// `backoff,initialMs,capMs,jitter`), which `finish_children` follows after a failed child.
    static func childWorkflowFields(_ settings: TaskSettings) -> [String: String] {
        guard let child = settings.childWorkflow, let data = try? JSONEncoder().encode(child) else { return [:] }
        var fields = ["childWorkflow": String(decoding: data, as: UTF8.self)]
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
