import QrewCore

/// One worker result for `complete`: the task and its lease, what the attempt produced, and the
/// output lines it printed that were not streamed yet (they join the run's stream just before
/// the result, in the same call).
public struct TaskCompletion: Sendable {
    public let task: ClaimedTask
    public let outcome: TaskOutcome
    public let exitCode: Int32?
    /// The step's output (already capped by the worker).
    public let output: String
    public let error: String?
    /// The backoff to wait if this outcome is retried; nil when the step's policy does not retry it.
    public let retryDelay: Duration?
    /// Output lines not streamed yet.
    public let stdout: [String]
    public let stderr: [String]

    public init(
        task: ClaimedTask, outcome: TaskOutcome, exitCode: Int32?, output: String, error: String?,
        retryDelay: Duration?, stdout: [String] = [], stderr: [String] = []
    ) {
        self.task = task
        self.outcome = outcome
        self.exitCode = exitCode
        self.output = output
        self.error = error
        self.retryDelay = retryDelay
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// What `complete` did with one result.
public enum CompletionStatus: String, Sendable, Equatable {
    /// A final result, recorded (and applied).
    case recorded
    /// A failure with attempts left: the task waits out its backoff.
    case retrying
    /// Refused: the token no longer held the lease (reclaimed or canceled); nothing changed.
    case stale
}

/// What a worker asks `complete` to lease it besides recording its results: the ready tasks its
/// results released (docs/protocol.md, *Successors*).
public struct SuccessorRequest: Sendable, Equatable {
    /// The worker the tasks are leased to.
    public let worker: String
    /// Their lease length.
    public let lease: Duration
    /// The worker's queues, in its order of preference.
    public let queues: [String]
    /// Most tasks to lease: the slots the worker set aside for them.
    public var most: Int

    public init(worker: String, lease: Duration, queues: [String], most: Int) {
        self.worker = worker
        self.lease = lease
        self.queues = queues
        self.most = most
    }
}

/// What one `complete` call did: a status per result, in order, and the successors it leased.
public struct CompletionReply: Sendable {
    public let statuses: [CompletionStatus]
    /// Tasks leased to the worker in the same call (empty unless asked for).
    public let successors: [ClaimedTask]
}

/// A batch of a running task's output lines for `append_output`.
public struct OutputAppend: Sendable {
    public let task: ClaimedTask
    /// `stdout` or `stderr`.
    public let stream: String
    public let lines: [String]

    public init(task: ClaimedTask, stream: String, lines: [String]) {
        self.task = task
        self.stream = stream
        self.lines = lines
    }
}
