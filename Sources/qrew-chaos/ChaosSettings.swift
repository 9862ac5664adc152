/// Everything one run of the suite needs; `ChaosCommand` maps the flags onto it.
struct ChaosSettings: Sendable {
    /// Seeds the workflows and the fault schedule: the same seed gives the same runs and faults.
    var seed: UInt64
    /// Runs submitted, spread over most of the fault window.
    var runs: Int
    /// Schedules registered (each fires a generated workflow every minute; see `ChaosSchedules`).
    var schedules: Int
    /// How long faults are injected.
    var duration: Duration
    /// Mean gap between two faults (any kind).
    var killInterval: Duration
    /// Worker lease (`qrew-worker --lease`); a frozen worker is held for 1.5–2.5 leases.
    var lease: Duration
    var workers: Int
    /// Worker slots `0..<partitionWorkers` reach Redis through the partition proxy.
    var partitionWorkers: Int
    var coordinators: Int
    /// Slots per worker.
    var workerConcurrency: Int
    /// Longest wait, after the window, for every run to finish.
    var settle: Duration
    /// Keep the directory (logs, side effects, AOF) even when everything passed.
    var keep: Bool
    /// Where `qrew-coordinator` and `qrew-worker` are.
    var binDirectory: String
    /// Redis loads the ACL roles of `qctl acl` and every child logs in as its role
    /// (`ChaosAclRoles`).
    var aclRoles = false
    /// Signed tasks on (`--signing`): a fresh key file for every coordinator and worker, so the
    /// faults also hit the signing and checking paths (a refused task would fail the verdict).
    var signing = false

    /// The coordinators' leader lease; a frozen leader is held past it.
    static let leaderLease = Duration.seconds(5)

    /// The coordinators' `--store-slice`: runs of the suite (tens of tasks) are stored in several
    /// slices, so faults also hit runs stored in part.
    static let storeSlice = 8

    /// The watchdog's limit: the window, the settle time and a margin for start and verification.
    var hardDeadline: Duration { duration + settle + .seconds(90) }
}
