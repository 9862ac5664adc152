import QrewCore

extension RunRecordBuilder {
    /// The placeholder of a dynamic fan-out step, from the record its tasks would have (`child`):
    /// queued on `QueueClient.fanOutQueue` once the source step finished (it reads the source's
    /// output at claim), taking no limit slot (its tasks do), with the plan of its tasks in field
    /// `fanOut`.
    static func placeholderRecord(
        _ child: TaskRecord, fanOut: DynamicMatrix, tasksByStep: [String: [String]]
    ) -> TaskRecord {
        let source = tasksByStep[fanOut.sourceStep]?.first ?? fanOut.sourceStep
        let plan = FanOutPlan(
            key: fanOut.key, source: source, queue: child.queue, priority: child.priority, limits: child.limits,
            refs: child.refs, maxAttempts: child.maxAttempts, continueOnError: child.continueOnError,
            lostRetry: child.lostRetry, fields: child.fields)
        return TaskRecord(
            id: child.id, step: child.step, queue: QueueClient.fanOutQueue, priority: child.priority, deps: child.deps,
            dependents: child.dependents, limits: [], refs: [source], spec: child.spec,
            maxAttempts: FanOutPlan.placeholderAttempts, continueOnError: child.continueOnError,
            lostRetry: FanOutPlan.placeholderLostRetry, fields: ["fanOut": plan.jsonText])
    }
}
