extension TaskSettings {
    /// The queue of tasks that wait for something other than a worker (approval steps): a
    /// sorted set no worker claims from (`qrew-worker --queues` refuses names starting with '@').
    public static let awaitingQueue = "@awaiting"

    /// An approval step waits for a decision: only its own `timeout` bounds the wait (not
    /// `defaults.timeout`, meant for work), and it is decided once (no retries, queue timeout or
    /// cache from the defaults); its approvers are the note shown while it waits.
    mutating func applyApproval(of step: Step) {
        timeout = step.timeout
        retry = .default
        queueTimeout = nil
        heartbeatTimeout = nil
        cache = nil
        circuitBreaker = nil
        queue = Self.awaitingQueue
        approvers = step.approvers
    }
}
