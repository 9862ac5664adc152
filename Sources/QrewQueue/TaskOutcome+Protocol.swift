import QrewCore

extension TaskOutcome {
    /// The final task state `complete` records for this outcome (docs/protocol.md).
    var protocolState: String {
        switch self {
        case .succeeded: "succeeded"
        case .timedOut: "timed_out"
        case .lost: "lost"
        case .failed, .cancelled: "failed"
        }
    }
}
