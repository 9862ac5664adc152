/// What a run did with its time (`qctl stats`): wall time, critical paths, concurrency and
/// parallel efficiency, per-step and per-limit figures, an ETA while it goes on, and
/// recommendations. Computed from `RunRecords` alone (docs/operations.md, *Run statistics*).
public struct RunStatistics: Sendable, Hashable, Encodable {
    /// A chain of tasks, each depending on the one before.
    public struct Path: Sendable, Hashable, Encodable {
        /// Task ids, first to last.
        public var tasks: [String]
        /// Their run times added up (planned: the estimates).
        public var seconds: Double
        /// Their queue waits added up (the actual path only; 0 for the planned one).
        public var waitSeconds: Double
    }

    /// The longest chain by estimated run times, and the chain that actually ended the run.
    public struct CriticalPaths: Sendable, Hashable, Encodable {
        public var planned: Path
        public var actual: Path
    }

    /// Figures of one step's tasks.
    public struct StepFigures: Sendable, Hashable, Encodable {
        public var step: String
        public var tasks: Int
        /// Run time of each finished attempt: median and longest.
        public var runSecondsP50: Double?
        public var runSecondsMax: Double?
        /// Claimable → started, per attempt: median and longest.
        public var queueWaitSecondsP50: Double?
        public var queueWaitSecondsMax: Double?
        /// Attempts that were retried, and how many of those had timed out.
        public var retries: Int
        public var retriesAfterTimeout: Int
        /// Tasks that ended `failed`, `timed_out` or `lost`.
        public var failures: Int
        /// Whether a task of the step is on the actual critical path.
        public var onCriticalPath: Bool
    }

    /// Figures of one pool or concurrency limit the run's tasks hold.
    public struct LimitFigures: Sendable, Hashable, Encodable {
        /// The limit as tasks name it: `pool:<name>`, `run`, `step:<id>`, `key:<n>:<key>`.
        public var limit: String
        public var size: Int?
        /// Time-weighted slots held by this run's tasks ÷ size, over the wall time.
        public var utilization: Double?
        /// Share of the wall time with every slot held by this run's tasks.
        public var fullFraction: Double?
        /// Time this run's claimable tasks waited while the limit was full.
        public var parkedSeconds: Double
        public var tasks: Int
    }

    /// A circuit breaker the run's tasks pass: its settings, what this run's attempts counted at
    /// it, and its state now.
    public struct BreakerFigures: Sendable, Hashable, Encodable {
        public var key: String
        /// Failed attempts within `windowSeconds` that open it; how long it stays open.
        public var failures: Int
        public var windowSeconds: Double
        public var cooldownSeconds: Double
        public var tasks: Int
        /// Attempts of this run's tasks that ended other than succeeded (each counted at the breaker).
        public var failedAttempts: Int
        /// `closed`, `open` or `half_open` now; nil once its state expired (closed).
        public var state: String?
        /// While open: when its cooldown ends (ms).
        public var openUntil: Int?
    }

    /// How long a run still going should take: its remaining critical path, priced with learned
    /// durations (`P:estimates:<workflow>`), else the run's own finished attempts of the step.
    public struct ETA: Sendable, Hashable, Encodable {
        public var remainingSeconds: Double
        /// When it should finish (ms since the epoch).
        public var at: Int
        /// The remaining tasks, longest chain first to last.
        public var path: [String]
        /// Steps with tasks left and no duration to price them with (counted as 0).
        public var unestimatedSteps: [String]
    }

    public var run: String
    public var state: String
    public var wallSeconds: Double
    /// Every attempt's run time added up.
    public var taskSeconds: Double
    public var criticalPath: CriticalPaths
    /// taskSeconds ÷ (wallSeconds × peakConcurrency), in (0, 1]; nil when no task ran.
    public var parallelEfficiency: Double?
    public var peakConcurrency: Int
    /// Time-weighted mean of attempts running at once.
    public var meanConcurrency: Double
    /// Succeeded ÷ tasks that ended succeeded, failed, timed_out or lost; nil before any did.
    public var successRate: Double?
    /// Tasks per state.
    public var states: [String: Int]
    public var steps: [StepFigures]
    public var pools: [LimitFigures]
    /// Slot changes of workers running its tasks (`--concurrency auto`).
    public var throttles: Int
    /// The circuit breakers its tasks pass (empty without any).
    public var breakers: [BreakerFigures]
    /// Nil once the run finished.
    public var eta: ETA?
    public var recommendations: [String]

    enum CodingKeys: String, CodingKey {
        case run, state, wallSeconds, taskSeconds, criticalPath, parallelEfficiency, peakConcurrency, meanConcurrency,
             successRate, states, steps, pools, throttles, breakers, eta, recommendations
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(run, forKey: .run)
        try container.encode(state, forKey: .state)
        try container.encode(wallSeconds, forKey: .wallSeconds)
        try container.encode(taskSeconds, forKey: .taskSeconds)
        try container.encode(criticalPath, forKey: .criticalPath)
        try container.encode(parallelEfficiency, forKey: .parallelEfficiency)
        try container.encode(peakConcurrency, forKey: .peakConcurrency)
        try container.encode(meanConcurrency, forKey: .meanConcurrency)
        try container.encode(successRate, forKey: .successRate)
        try container.encode(states, forKey: .states)
        try container.encode(steps, forKey: .steps)
        try container.encode(pools, forKey: .pools)
        try container.encode(throttles, forKey: .throttles)
        try container.encode(breakers, forKey: .breakers)
        try container.encode(eta, forKey: .eta)
        try container.encode(recommendations, forKey: .recommendations)
    }
}

/// Milliseconds as seconds, to the millisecond.
func seconds(_ milliseconds: Int) -> Double { Double(milliseconds) / 1000 }
