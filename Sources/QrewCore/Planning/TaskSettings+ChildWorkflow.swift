extension TaskSettings {
    /// A child-workflow step is started by the leader, not a worker: its task waits on the
    /// reserved `ChildWorkflow.placeholderQueue` and ends when its child run ends, once (no
    /// retries, timeout, queue timeout, breaker or cache from the defaults; the child's own steps
    /// have theirs).
    mutating func applyChildWorkflow(of step: Step) {
        timeout = nil
        retry = .default
        queueTimeout = nil
        heartbeatTimeout = nil
        cache = nil
        circuitBreaker = nil
        queue = ChildWorkflow.placeholderQueue
        childWorkflow = step.childWorkflow
    }
}
