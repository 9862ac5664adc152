/// A task leased to a worker by `claim`: what to run and the lease that proves ownership.
///
/// Its fields live in one shared, immutable box, so passing a claimed task on (to its runner,
/// the running-task table, the crash reporter, its completion) retains one object instead of
/// each of its strings (docs/benchmarks.md, "Worker and intake CPU per task").
public struct ClaimedTask: Sendable, Hashable {
    private final class Fields: Sendable {
        let ref: TaskRef
        let token: String
        let attempt: Int
        let spec: String
        let outputs: [String: String]
        let trace: RunTrace?
        let spanID: String?
        let queue: String
        let queueWait: Duration?
        let signature: String

        init(
            ref: TaskRef, token: String, attempt: Int, spec: String, outputs: [String: String], trace: RunTrace?,
            spanID: String?, queue: String, queueWait: Duration?, signature: String
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
    }

    private let fields: Fields

    public var ref: TaskRef { fields.ref }
    /// Lease token: `heartbeat` and `complete` must present it; a stale one is refused.
    public var token: String { fields.token }
    /// 1 for the first run, 2 for the first retry, ...
    public var attempt: Int { fields.attempt }
    /// The task spec (JSON) the coordinator stored when it decomposed the run.
    public var spec: String { fields.spec }
    /// Outputs of the tasks the spec references (`${{ steps.X.output }}`), by task id.
    public var outputs: [String: String] { fields.outputs }
    /// The run's trace (nil for a run stored without one).
    public var trace: RunTrace? { fields.trace }
    /// This attempt's span id (16 hex digits), made when the task was claimed; nil without a trace.
    public var spanID: String? { fields.spanID }
    /// The queue the task was claimed from ("" when not known).
    public var queue: String { fields.queue }
    /// How long the task waited ready in its queue before this claim (Redis's clock), when known.
    public var queueWait: Duration? { fields.queueWait }
    /// The task's signature (task field `sig`, `<key id>:<base64 MAC>`), "" for an unsigned task.
    public var signature: String { fields.signature }

    public init(
        ref: TaskRef, token: String, attempt: Int, spec: String, outputs: [String: String], trace: RunTrace? = nil,
        spanID: String? = nil, queue: String = "", queueWait: Duration? = nil, signature: String = ""
    ) {
        fields = Fields(
            ref: ref, token: token, attempt: attempt, spec: spec, outputs: outputs, trace: trace, spanID: spanID,
            queue: queue, queueWait: queueWait, signature: signature)
    }

    /// The W3C `traceparent` of this attempt (`TRACEPARENT` in the task's environment).
    public var traceparent: String? {
        guard let trace, let spanID else { return nil }
        return trace.traceparent(spanID: spanID)
    }

    /// Equal when every field is (two claims of one task differ in token, attempt or span).
    public static func == (lhs: ClaimedTask, rhs: ClaimedTask) -> Bool {
        if lhs.fields === rhs.fields { return true }
        let l = lhs.fields, r = rhs.fields
        return l.ref == r.ref && l.token == r.token && l.attempt == r.attempt && l.spec == r.spec
            && l.outputs == r.outputs && l.trace == r.trace && l.spanID == r.spanID && l.queue == r.queue
            && l.queueWait == r.queueWait && l.signature == r.signature
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields.ref)
        hasher.combine(fields.token)
        hasher.combine(fields.attempt)
    }
}
