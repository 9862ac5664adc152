import Foundation
import QrewCore
import QrewQueue

/// Everything a coordinator needs to run; the executable maps flags and environment onto it.
public struct CoordinatorConfiguration: Sendable {
    /// Redis to coordinate through (`QREW_REDIS_URL`).
    public var redisURL: String
    /// Key namespace prefix (`QREW_NAMESPACE`).
    public var namespace: String
    /// This coordinator's name in the leader key and the consumer groups; unique per process.
    public var id: String
    /// How long leadership lasts without renewal; a standby takes over within about this long
    /// after the leader dies. Renewed every third of it.
    public var leaderLease: Duration
    /// The workers' lease (`--lease`/`QREW_LEASE`, default 30 s): a worker silent for two
    /// leases is forgotten from the worker registry (its tasks were already taken back).
    public var workerLease: Duration
    /// How long finished runs (and their tasks, streams and outputs) stay in Redis.
    public var retention: Duration
    /// Most completion events applied in one script call.
    public var eventBatch: Int
    /// How often leases and retry backoffs are checked at the latest.
    public var maintenanceInterval: Duration
    /// Scoring tables for task priority.
    public var priorityTables: PriorityTables
    /// Limits checked when a workflow is validated.
    public var limits: ValidationLimits
    /// Cap of each run's progress stream.
    public var streamMaxLength: Int
    /// Largest workflow text accepted from the submissions stream; a bigger one is rejected
    /// unparsed, so a runaway producer cannot make the coordinator parse megabytes.
    public var maxWorkflowBytes: Int
    /// Tasks per storing call: a bigger run is stored in slices, its first tasks starting while
    /// the rest is stored (`QueueSession.submitRun`).
    public var storeSlice: Int
    /// Whether a crash of this process (trap, bad access, abort) is recorded against the
    /// submission it was processing, which is then quarantined (`record_intake_crash`). The
    /// signal handlers are process-wide: `qrew-coordinator` turns this on; an application that
    /// embeds a coordinator opts in. Default off.
    public var reportsCrashes: Bool
    /// Test-only fault injection (`QREW_FAULT_…` environment variables); none by default.
    public var faults: CoordinatorFaults
    /// How often the leader samples the queue-level gauges from Redis (`MetricsSampleLoop`);
    /// nil (the default) samples nothing: `qrew-coordinator` sets it with `--metrics-port`.
    public var metricsSampleInterval: Duration? = nil
    /// How often the leader walks the run index for runs whose keys expired (`prune_runs`): a
    /// pass starts at most this long after the previous one started. Index entries are only
    /// pointers, so one expired run's entry may linger that long; walking it on every
    /// maintenance tick instead cost an idle leader with 5,000 retained runs ~36 calls of
    /// ~0.2 ms of Redis a second, each one a single-task run could queue behind.
    public var runIndexPruneInterval: Duration = .seconds(60)
    /// Signs every task this coordinator stores and checks the placeholders it claims
    /// (`--signing-key-file`, docs/security.md); nil (the default) signs nothing.
    public var signer: TaskSigner? = nil

    public init(
        redisURL: String = "redis://127.0.0.1:6379/0",
        namespace: String = "qrew",
        id: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)",
        leaderLease: Duration = .seconds(5),
        workerLease: Duration = .seconds(30),
        retention: Duration = .seconds(7 * 24 * 3600),
        eventBatch: Int = 512,
        maintenanceInterval: Duration = .milliseconds(250),
        priorityTables: PriorityTables = .default,
        limits: ValidationLimits = .default,
        streamMaxLength: Int = 10_000,
        maxWorkflowBytes: Int = RunIntake.defaultMaxWorkflowBytes,
        storeSlice: Int = RunRecord.defaultSlice,
        reportsCrashes: Bool = false,
        faults: CoordinatorFaults = .fromEnvironment()
    ) {
        self.redisURL = redisURL
        self.namespace = namespace
        self.id = id
        self.leaderLease = leaderLease
        self.workerLease = workerLease
        self.retention = retention
        self.eventBatch = eventBatch
        self.maintenanceInterval = maintenanceInterval
        self.priorityTables = priorityTables
        self.limits = limits
        self.streamMaxLength = streamMaxLength
        self.maxWorkflowBytes = maxWorkflowBytes
        self.storeSlice = storeSlice
        self.reportsCrashes = reportsCrashes
        self.faults = faults
    }
}
