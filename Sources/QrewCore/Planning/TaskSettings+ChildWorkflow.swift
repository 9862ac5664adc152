extension TaskSettings {
    /// A child-workflow step is started by the leader, not a worker: its task waits on the
    /// reserved `ChildWorkflow.placeholderQueue` and ends when its child run ends. Only its own
    /// `retries` start a fresh child run after a failed one (the defaults' retries, timeout, queue
    /// timeout, breaker and cache are for work: the child's own steps have theirs).
    mutating func applyChildWorkflow(of step: Step) {
        timeout = nil
        if step.retries == nil { retry = .default }
        queueTimeout = nil
        heartbeatTimeout = nil
        cache = nil
        circuitBreaker = nil
        queue = ChildWorkflow.placeholderQueue
        childWorkflow = step.childWorkflow
    }
}
