/// A task leased to a worker by `claim`: what to run and the lease that proves ownership.
public struct ClaimedTask: Sendable, Hashable {
    public let ref: TaskRef
    /// Lease token: `heartbeat` and `complete` must present it; a stale one is refused.
    public let token: String
    /// 1 for the first run, 2 for the first retry, ...
    public let attempt: Int
    /// The task spec (JSON) the coordinator stored when it decomposed the run.
    public let spec: String
    /// Outputs of the tasks the spec references (`${{ steps.X.output }}`), by task id.
    public let outputs: [String: String]
    /// The run's trace (nil for a run stored without one).
    public let trace: RunTrace?
    /// This attempt's span id (16 hex digits), made when the task was claimed; nil without a trace.
    public let spanID: String?
    /// The queue the task was claimed from ("" when not known).
    public let queue: String
    /// How long the task waited ready in its queue before this claim (Redis's clock), when known.
    public let queueWait: Duration?
    /// The task's signature (task field `sig`, `<key id>:<base64 MAC>`), "" for an unsigned task.
    public let signature: String

    public init(
        ref: TaskRef, token: String, attempt: Int, spec: String, outputs: [String: String], trace: RunTrace? = nil,
        spanID: String? = nil, queue: String = "", queueWait: Duration? = nil, signature: String = ""
    ) {
        self.ref = ref
        self.token = token
        self.attempt = attempt
        self.spec = spec
        self.outputs = outputs
        self.trace = trace
        self.spanID = spanID
        self.queue = queue
        self.queueWait = queueWait
        self.signature = signature
    }

    /// The W3C `traceparent` of this attempt (`TRACEPARENT` in the task's environment).
    public var traceparent: String? {
        guard let trace, let spanID else { return nil }
        return trace.traceparent(spanID: spanID)
    }
}
