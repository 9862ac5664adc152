/// Workflow-wide step settings (`defaults:`), applied to every step that does not set its own.
public struct StepDefaults: Sendable, Hashable, Codable {
    /// Default per-task timeout; `nil` means no limit.
    public var timeout: Duration?
    /// Default `heartbeatTimeout`; `nil` means tasks may stay silent.
    public var heartbeatTimeout: Duration? = nil
    /// Default queue name; `nil` means `"default"`.
    public var queue: String?
    /// Default retry settings, layered over `RetryPolicy.default`.
    public var retries: RetrySettings?
    /// Default circuit breaker (keyed by step id unless it names a `key`).
    public var circuitBreaker: CircuitBreakerSpec?
    /// Default schedule-to-start limit (`queueTimeout`); `nil` means none.
    public var queueTimeout: Duration? = nil
    /// Default result caching; a step's own `cache` (even `false`) replaces it.
    public var cache: CacheSpec?

    /// Creates defaults; all fields are optional.
    public init(timeout: Duration? = nil, queue: String? = nil, retries: RetrySettings? = nil, cache: CacheSpec? = nil) {
        self.timeout = timeout
        self.queue = queue
        self.retries = retries
        self.cache = cache
    }
}
