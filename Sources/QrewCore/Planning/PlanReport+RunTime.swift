/// What `qctl plan` can only announce, because it is decided while the run goes: a dynamic
/// fan-out (one node now, one task per element of a list later), a step's `if:` condition, and
/// a step that waits for an approval, an event or a duration instead of running on a worker.
extension PlanReport {
    /// A dynamic fan-out node: it expands when `source` finishes into one task per element of
    /// the JSON array `over` names, each bound to `${{ matrix.<key> }}`.
    public struct FanOut: Sendable, Hashable, Codable {
        /// The matrix key the elements are bound to.
        public var key: String
        /// The step whose output is the list (the node's dependency).
        public var source: String
        /// The expression expanded over: `steps.<source>.output`.
        public var over: String

        /// Describes the dynamic matrix of a placeholder task.
        public init(_ matrix: DynamicMatrix) {
            key = matrix.key
            source = matrix.sourceStep
            over = "steps.\(matrix.sourceStep).output"
        }
    }

    /// What a step waits for instead of a worker (`type: approval` or `type: wait`).
    public struct Await: Sendable, Hashable, Codable {
        /// `approval`, `event` or `duration`.
        public var kind: String
        /// Who may approve (approvals; may be empty).
        public var approvers: [String]?
        /// The event name (event waits).
        public var event: String?
        /// Seconds slept (timed waits).
        public var seconds: Double?

        /// The wait of a task, or nil for a task that runs on a worker.
        public init?(_ settings: TaskSettings) {
            switch settings.type {
            case .approval:
                kind = "approval"
                approvers = settings.approvers
            case .wait:
                if let event = settings.waitEvent {
                    kind = "event"
                    self.event = event
                } else {
                    kind = "duration"
                    seconds = settings.waitDuration.map { duration in
                        let (whole, attoseconds) = duration.components
                        return Double(whole) + Double(attoseconds) / 1e18
                    }
                }
            default:
                return nil
            }
        }
    }
}
