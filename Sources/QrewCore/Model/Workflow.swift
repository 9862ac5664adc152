/// A declared workflow: what the user wrote, decoded but not yet expanded into tasks.
///
/// Build one with `WorkflowLoader` from text, or directly in memory (generators, tests, embedders)
/// and check it with `WorkflowValidator`.
public struct Workflow: Sendable, Hashable, Codable {
    /// Display name of the workflow; required.
    public var name: String
    /// Declared parameters and their default values, referenced as `${{ params.NAME }}`.
    public var params: [String: String]
    /// Whether the first failed step cancels the rest of the run.
    public var failFast: Bool
    /// Whole-run timeout; `nil` means no limit.
    public var timeout: Duration?
    /// Settings every step inherits unless it overrides them.
    public var defaults: StepDefaults
    /// Cluster-wide concurrency limits and named resource pools.
    public var parallel: Parallelism
    /// The steps in declaration order.
    public var steps: [Step]
    /// When `qctl schedule add` runs the workflow by itself (unless given `--cron`); nil if never.
    public var schedule: ScheduleSpec?
    /// Runs sharing a concurrency group: with `cancelInProgress`, a new run of the group cancels
    /// the group's unfinished run as it is stored; without it, the group only labels the run.
    public var concurrencyGroup: String?
    /// Whether a new run of `concurrencyGroup` cancels the group's unfinished run.
    public var cancelInProgress: Bool = false

    /// Creates a workflow; everything but the name and steps has a neutral default.
    public init(
        name: String,
        params: [String: String] = [:],
        failFast: Bool = false,
        timeout: Duration? = nil,
        defaults: StepDefaults = StepDefaults(),
        parallel: Parallelism = Parallelism(),
        steps: [Step],
        schedule: ScheduleSpec? = nil
    ) {
        self.name = name
        self.params = params
        self.failFast = failFast
        self.timeout = timeout
        self.defaults = defaults
        self.parallel = parallel
        self.steps = steps
        self.schedule = schedule
    }
}
