/// Everything a worker needs to execute one task, with defaults applied and matrix values and
/// parameters substituted; only `${{ steps.X.output }}` and `${{ run.id }}` remain for run time.
public struct TaskSettings: Sendable, Hashable, Codable {
    /// Executor.
    public var type: Step.StepType
    /// Argument vector (shell steps).
    public var run: [String]
    /// Whether `run` goes through `/bin/sh -c`.
    public var shell: Bool
    /// Extra environment variables.
    public var env: [String: String]
    /// Working directory.
    public var cwd: String?
    /// HTTP request (http steps).
    public var http: HTTPSpec?
    /// `with:` arguments.
    public var arguments: [String: Step.Argument]
    /// Per-attempt timeout; `nil` means none.
    public var timeout: Duration?
    /// Step retries over workflow defaults over `RetryPolicy.default`.
    public var retry: RetryPolicy
    /// Resource pool held while running.
    public var resource: String?
    /// Queue the task is pushed to (`"default"` unless configured).
    public var queue: String
    /// Whether failure still releases dependents.
    public var continueOnError: Bool
    /// Concurrency limit shared by the step's fan-out.
    public var maxConcurrency: Int?
    /// Caching, with the key rendered as far as possible.
    public var cache: CacheSpec?
    /// Circuit breaker, key rendered (the step id when none was given).
    public var circuitBreaker: CircuitBreakerSpec? = nil
    /// Start rate limit, key rendered (the step id when none was given).
    public var rateLimit: RateLimitSpec? = nil
    /// Keyed concurrency limit, key rendered.
    public var concurrency: KeyedConcurrencySpec? = nil
    /// Schedule-to-start limit (step over `defaults`); `nil` means none.
    public var queueTimeout: Duration? = nil
    /// Longest silence allowed between progress lines; `nil` means none.
    public var heartbeatTimeout: Duration? = nil
    /// The step's dynamic matrix: the task is the placeholder the coordinator expands.
    public var fanOut: DynamicMatrix? = nil
    /// Who may approve (approval steps; a note shown while waiting).
    public var approvers: [String] = []
    /// The event a wait step waits for (nil for a timed wait or any other step).
    public var waitEvent: String? = nil
    /// How long a wait step sleeps (nil for an event wait or any other step).
    public var waitDuration: Duration? = nil
    /// The step's `if:`: the text as written, and its expression with params and matrix values
    /// substituted; `nil` without one.
    public var condition: StepCondition? = nil
    /// The child workflow of a `type: workflow` step (nil for any other step).
    public var childWorkflow: ChildWorkflow? = nil
}
