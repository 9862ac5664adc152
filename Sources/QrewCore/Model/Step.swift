/// One declared step: a unit of work that becomes one task, or one per matrix combination.
///
/// Fields the user left out stay `nil` here; `TaskGraph` resolves them against `StepDefaults`.
public struct Step: Sendable, Hashable, Codable {
    /// Unique id, `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`; used in task ids and references.
    public var id: String
    /// Optional display name.
    public var name: String?
    /// What executes the step.
    public var type: StepType
    /// Argument vector for shell steps. With `shell: true`, `run[0]` is the script given to
    /// `/bin/sh -c` and the remaining items are its positional parameters.
    public var run: [String]
    /// Run through `/bin/sh -c` instead of exec'ing the argv directly (opt-in, to avoid injection).
    public var shell: Bool
    /// Extra environment variables.
    public var env: [String: String]
    /// Working directory; `nil` means the worker's.
    public var cwd: String?
    /// Size class for priority scoring; `nil` uses `PriorityTables.defaultComplexity`.
    public var complexity: Complexity?
    /// Free-form category for priority scoring (`security`, `database`, ...).
    public var kind: String?
    /// Explicit priority offset added to the score; may be negative.
    public var priority: Int
    /// Per-task timeout; `nil` inherits `defaults.timeout`.
    public var timeout: Duration?
    /// Longest silence (no progress line in `QREW_PROGRESS`) before an attempt is killed and
    /// retried as `lost`; `nil` inherits `defaults.heartbeatTimeout`.
    public var heartbeatTimeout: Duration? = nil
    /// Retry settings layered over the workflow defaults; `nil` inherits them entirely.
    public var retries: RetrySettings?
    /// Name of a declared resource pool this step's tasks occupy while running.
    public var resource: String?
    /// Queue to push tasks to; `nil` inherits `defaults.queue`.
    public var queue: String?
    /// The most tasks of this step's fan-out running at once.
    public var maxConcurrency: Int?
    /// Whether a failure of this step still lets dependents run.
    public var continueOnError: Bool
    /// Result caching; `nil` disables it.
    public var cache: CacheSpec?
    /// Ids of steps that must finish first (template references add implicit ones).
    public var dependsOn: [String]
    /// Fan-out axes; empty means a single task.
    public var matrix: Matrix
    /// A matrix axis whose values an earlier step's output gives at run time (dynamic fan-out).
    public var dynamicMatrix: DynamicMatrix? = nil
    /// Request description for `http` steps.
    public var http: HTTPSpec?
    /// Arguments (`with:`) for `echo`, `sleep`, `fail` and registered handlers.
    public var arguments: [String: Argument]
    /// Circuit breaker; `nil` inherits `defaults.circuitBreaker`.
    public var circuitBreaker: CircuitBreakerSpec?
    /// Cluster-wide start rate limit; `nil` for none.
    public var rateLimit: RateLimitSpec?
    /// Cluster-wide concurrency limit per rendered key; `nil` for none.
    public var concurrency: KeyedConcurrencySpec?
    /// Schedule-to-start limit: a task not started this long after it was queued ends
    /// `timed_out` (retried as `retries` says); `nil` inherits `defaults.queueTimeout`.
    public var queueTimeout: Duration? = nil
    /// Who may approve (`type: approval` only): a note shown while the step waits, not enforced.
    public var approvers: [String] = []
    /// The event a `type: wait` step waits for (`qctl signal RUN EVENT`); nil for a timed wait.
    public var waitEvent: String? = nil
    /// How long a `type: wait` step sleeps (durably, on no worker); nil for an event wait.
    public var waitDuration: Duration? = nil
    /// `if:`: run only when the expression holds once the dependencies have finished; `nil` for
    /// today's rule (`success()`).
    public var condition: StepCondition? = nil
    /// The workflow a `type: workflow` step runs as its child run; nil for other steps.
    public var childWorkflow: ChildWorkflow? = nil

    /// Creates a step; only the id is required, everything else has the neutral default.
    public init(
        id: String,
        name: String? = nil,
        type: StepType = .shell,
        run: [String] = [],
        shell: Bool = false,
        env: [String: String] = [:],
        cwd: String? = nil,
        complexity: Complexity? = nil,
        kind: String? = nil,
        priority: Int = 0,
        timeout: Duration? = nil,
        retries: RetrySettings? = nil,
        resource: String? = nil,
        queue: String? = nil,
        maxConcurrency: Int? = nil,
        continueOnError: Bool = false,
        cache: CacheSpec? = nil,
        dependsOn: [String] = [],
        matrix: Matrix = Matrix(),
        http: HTTPSpec? = nil,
        arguments: [String: Argument] = [:]
    ) {
        self.id = id
        self.name = name
        self.type = type
        self.run = run
        self.shell = shell
        self.env = env
        self.cwd = cwd
        self.complexity = complexity
        self.kind = kind
        self.priority = priority
        self.timeout = timeout
        self.retries = retries
        self.resource = resource
        self.queue = queue
        self.maxConcurrency = maxConcurrency
        self.continueOnError = continueOnError
        self.cache = cache
        self.dependsOn = dependsOn
        self.matrix = matrix
        self.http = http
        self.arguments = arguments
    }
}
