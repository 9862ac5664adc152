import Foundation
import QrewCore

extension RunRecordBuilder {
    /// The task-hash field of a child-workflow step (empty for every other task): `childWorkflow`,
    /// the JSON of its `ChildWorkflow` (text, file name, included files), which the leader's
    /// child workflow loop reads when it starts the child run.
    static func childWorkflowFields(_ settings: TaskSettings) -> [String: String] {
        guard let child = settings.childWorkflow, let data = try? JSONEncoder().encode(child) else { return [:] }
        return ["childWorkflow": String(decoding: data, as: UTF8.self)]
    }
}

extension RunRecordBuilder {
    /// The record of a child-workflow step: like a fan-out placeholder, an attempt the leader
    /// lost before it started the child run (the leader died) is retried after a second, a few
    /// times; a started child run ends the step once.
    static func childWorkflowRecord(_ record: TaskRecord) -> TaskRecord {
        TaskRecord(
            id: record.id, step: record.step, queue: record.queue, priority: record.priority, deps: record.deps,
            dependents: record.dependents, limits: record.limits, refs: record.refs, spec: record.spec,
            maxAttempts: FanOutPlan.placeholderAttempts, continueOnError: record.continueOnError,
            lostRetry: FanOutPlan.placeholderLostRetry, fields: record.fields)
    }
}
