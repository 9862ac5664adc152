/// Retry settings as written (`retries: 2` or the object form): every field optional, so a step
/// can override one knob and inherit the rest from `defaults.retries` and `RetryPolicy.default`.
public struct RetrySettings: Sendable, Hashable, Codable {
    /// Retries after the first attempt.
    public var maxRetries: Int?
    /// Delay growth.
    public var backoff: RetryPolicy.Backoff?
    /// First delay.
    public var initial: Duration?
    /// Largest delay.
    public var cap: Duration?
    /// Whether to randomise delays.
    public var jitter: Bool?
    /// Outcomes that trigger a retry.
    public var retryOn: Set<RetryPolicy.Condition>?

    /// Creates settings; unset fields inherit.
    public init(
        maxRetries: Int? = nil,
        backoff: RetryPolicy.Backoff? = nil,
        initial: Duration? = nil,
        cap: Duration? = nil,
        jitter: Bool? = nil,
        retryOn: Set<RetryPolicy.Condition>? = nil
    ) {
        self.maxRetries = maxRetries
        self.backoff = backoff
        self.initial = initial
        self.cap = cap
        self.jitter = jitter
        self.retryOn = retryOn
    }

    /// The policy obtained by overriding `base` with every field set here.
    public func resolved(over base: RetryPolicy) -> RetryPolicy {
        RetryPolicy(
            maxRetries: maxRetries ?? base.maxRetries,
            backoff: backoff ?? base.backoff,
            initial: initial ?? base.initial,
            cap: cap ?? base.cap,
            jitter: jitter ?? base.jitter,
            retryOn: retryOn ?? base.retryOn
        )
    }
}
