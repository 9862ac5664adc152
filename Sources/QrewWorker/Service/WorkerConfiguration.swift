import Foundation
import QrewCore
import QrewQueue

/// Everything a ``WorkerService`` needs to know, with defaults that suit one worker per machine.
///
/// The `qrew-worker` executable maps flags and environment variables onto it; an application
/// embedding the worker builds it directly.
public struct WorkerConfiguration: Sendable {
    /// Redis to connect to (`QREW_REDIS_URL`); every worker and coordinator must share it.
    public var redisURL: String
    /// Key prefix (`QREW_NAMESPACE`); lets several Qrew installations share one Redis.
    public var namespace: String
    /// This worker's name in leases, heartbeats and logs; must be unique among live workers.
    public var name: String
    /// Tasks run at once (slots). One per CPU by default: most tasks are processes. With
    /// `adaptiveConcurrency` it is the starting point (clamped to its range).
    public var concurrency: Int
    /// `--concurrency auto[:MIN-MAX]`: slots that follow CPU and memory pressure; nil keeps
    /// `concurrency` fixed.
    public var adaptiveConcurrency: AdaptiveConcurrencyConfiguration? = nil
    /// Queues to claim from, in order of preference.
    public var queues: [String]
    /// Lease length: a task whose worker stops heartbeating is reclaimed after this long.
    /// Heartbeats go out every third of it, so two may be lost without losing a lease.
    public var lease: Duration
    /// How long a draining worker lets running tasks finish before it hands them back.
    public var drainTime: Duration
    /// Bytes of a task's output recorded with its result (and kept of stdout and stderr).
    public var outputCap: Int
    /// Time between SIGTERM and SIGKILL for a task that timed out.
    public var killGrace: Duration
    /// Time between SIGTERM and SIGKILL for a task that is canceled, lost its lease or is handed
    /// back: short, so a canceled task is gone within a second.
    public var cancelGrace: Duration
    /// How long an idle worker blocks in Redis (`BLPOP` on the wake lists) per call. A pushed
    /// task wakes it at once either way; this only bounds how stale an idle connection gets.
    public var idleBlockTime: Duration
    /// Whether the worker counts its own crashes (a trap, bad access or abort, not a kill)
    /// against the task that caused them, so a task that crashed two workers is quarantined
    /// (docs/worker.md). It installs process-wide handlers for the fatal signals, so at most one
    /// worker per process can have it; `qrew-worker` turns it on, an embedding application opts in.
    public var reportsCrashes: Bool
    /// The most result-cache entries the namespace keeps (`--cache-max-entries`): storing one
    /// more evicts those closest to expiry. Applied when this worker stores a result.
    public var cacheMaxEntries: Int
    /// `--durable-results`: after recording results, wait (`WAIT`) for replicas to hold them, so
    /// a failover to a replica does not lose an acknowledged result; nil records without waiting.
    public var durableResults: ResultDurability? = nil
    /// Fault-injection points, for tests only; none by default.
    public var faults: WorkerFaults
    /// What this worker agrees to run (docs/security.md "Worker policies"); allows everything
    /// but an oversized task environment by default.
    public var policy = WorkerPolicy()
    /// Where `${{ secrets.NAME }}` values are read from besides `QREW_SECRET_<NAME>` in the
    /// worker's environment: the file NAME in this directory (`--secrets-dir`); nil for none.
    public var secretsDirectory: String? = nil
    /// Checks each claimed task's signature before anything of it is rendered or run
    /// (`--signing-key-file`, docs/security.md): an unsigned or altered task is refused, failed
    /// without retry and dead-lettered with the reason. nil (the default) trusts every task in Redis.
    public var signer: TaskSigner? = nil

    /// The heartbeat period: a third of the lease.
    public var heartbeatInterval: Duration { lease / 3 }

    /// A fresh backoff for retrying Redis: at most a third of the lease and 1 s, so every loop
    /// is back within about a second of Redis answering, whatever happened before.
    var redisBackoff: RedisBackoff { RedisBackoff(limit: RedisBackoff.limit(forLease: lease)) }

    /// Creates a configuration; every parameter has the default documented on its property.
    public init(
        redisURL: String = "redis://127.0.0.1:6379/0",
        namespace: String = "qrew",
        name: String = WorkerConfiguration.defaultName(),
        concurrency: Int = ProcessInfo.processInfo.activeProcessorCount,
        queues: [String] = ["default"],
        lease: Duration = .seconds(30),
        drainTime: Duration = .seconds(30),
        outputCap: Int = 1 << 20,
        killGrace: Duration = .seconds(5),
        cancelGrace: Duration = .milliseconds(500),
        idleBlockTime: Duration = .seconds(2),
        reportsCrashes: Bool = false,
        cacheMaxEntries: Int = WorkerConfiguration.defaultCacheMaxEntries,
        faults: WorkerFaults = WorkerFaults()
    ) {
        self.redisURL = redisURL
        self.namespace = namespace
        self.name = name
        self.concurrency = max(1, concurrency)
        self.queues = queues.isEmpty ? ["default"] : queues
        self.lease = lease
        self.drainTime = drainTime
        self.outputCap = max(0, outputCap)
        self.killGrace = killGrace
        self.cancelGrace = cancelGrace
        self.idleBlockTime = idleBlockTime
        self.reportsCrashes = reportsCrashes
        self.cacheMaxEntries = min(max(1, cacheMaxEntries), WorkerConfiguration.cacheMaxEntriesRange.upperBound)
        self.faults = faults
    }

    /// `cacheMaxEntries` unless configured.
    public static let defaultCacheMaxEntries = 10_000
    /// What `--cache-max-entries` accepts.
    public static let cacheMaxEntriesRange = 1...10_000_000

    /// `<hostname>-<pid>`: unique per process on a machine, and says where to look.
    public static func defaultName() -> String {
        "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }
}
