/// How one attempt of a task ended, as far as retrying is concerned.
public enum TaskOutcome: String, Sendable, Hashable, Codable, CaseIterable {
    /// Finished successfully.
    case succeeded
    /// Ran and reported failure.
    case failed
    /// Killed after exceeding its timeout.
    case timedOut
    /// Its worker disappeared (lease expired).
    case lost
    /// Cancelled by the user or by failFast; never retried.
    case cancelled

    /// The retry condition this outcome falls under, if it can be retried at all.
    public var retryCondition: RetryPolicy.Condition? {
        switch self {
        case .failed: .failure
        case .timedOut: .timeout
        case .lost: .lost
        case .succeeded, .cancelled: nil
        }
    }
}
