/// A fully resolved retry policy: how often a task is retried and how long it waits in between.
public struct RetryPolicy: Sendable, Hashable, Codable {
    /// How the delay grows between attempts.
    public enum Backoff: String, Sendable, Hashable, Codable, CaseIterable {
        /// Always `initial`.
        case fixed
        /// `initial × 2^(attempt−1)`, capped at `cap`.
        case exponential
    }

    /// Outcomes that may be retried (`retries.on`).
    public enum Condition: String, Sendable, Hashable, Codable, CaseIterable {
        /// The task ran and reported failure (non-zero exit, HTTP error, handler error).
        case failure
        /// The task exceeded its timeout.
        case timeout
        /// The worker vanished and the lease expired.
        case lost
    }

    /// Retries after the first attempt; `0` disables retrying.
    public var maxRetries: Int
    /// Delay growth.
    public var backoff: Backoff
    /// Delay before the first retry (base of the exponential).
    public var initial: Duration
    /// Upper bound on any delay, jitter included.
    public var cap: Duration
    /// Whether delays use equal jitter (see `delay(afterAttempt:jitterSample:)`).
    public var jitter: Bool
    /// Outcomes that trigger a retry.
    public var retryOn: Set<Condition>

    /// Total attempts allowed, the first one included (`maxRetries` clamped to
    /// `NumericBounds.retries`, so a policy built in code cannot overflow it either).
    public var maxAttempts: Int { NumericBounds.clamp(maxRetries, to: NumericBounds.retries) + 1 }

    /// Creates a policy.
    public init(
        maxRetries: Int,
        backoff: Backoff = .exponential,
        initial: Duration = .seconds(1),
        cap: Duration = .seconds(60),
        jitter: Bool = true,
        retryOn: Set<Condition> = Set(Condition.allCases)
    ) {
        self.maxRetries = maxRetries
        self.backoff = backoff
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
        self.retryOn = retryOn
    }

    /// No retries (like Celery and asynq without configuration); when enabled, exponential from
    /// 1s capped at 1m with jitter, retrying failures, timeouts and lost workers.
    public static let `default` = RetryPolicy(maxRetries: 0)
}
