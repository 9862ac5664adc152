extension TaskSettings {
    /// The queue of tasks that wait for something other than a worker (approval and wait steps):
    /// a sorted set no worker claims from (`qrew-worker --queues` refuses names starting with '@').
    public static let awaitingQueue = "@awaiting"

    /// An approval or wait step waits for a decision, an event or a time: only its own `timeout`
    /// bounds the wait (not `defaults.timeout`, meant for work), and it ends once (no retries,
    /// queue timeout, breaker or cache from the defaults).
    mutating func applyAwaiting(of step: Step) {
        timeout = step.timeout
        retry = .default
        queueTimeout = nil
        heartbeatTimeout = nil
        cache = nil
        circuitBreaker = nil
        queue = Self.awaitingQueue
        approvers = step.approvers
        waitEvent = step.waitEvent
        waitDuration = step.waitDuration
    }
}
