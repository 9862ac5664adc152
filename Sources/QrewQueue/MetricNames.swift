/// The names of Qrew's Prometheus metrics (docs/operations.md, *Metrics*), shared by the
/// libraries that record them through swift-metrics and the `QrewMetrics` module that serves
/// them, which also takes the histogram buckets from here.
///
/// Names follow Prometheus conventions: a `qrew_` prefix, the unit in the name, `_total` on counters.
public enum MetricNames {
    // MARK: Worker (each worker's /metrics)

    /// Counter: claim calls that returned at least one task.
    public static let claims = "qrew_worker_claims_total"
    /// Histogram: tasks per non-empty claim.
    public static let claimBatchSize = "qrew_worker_claim_batch_size"
    /// Counter, labels `queue`, `state`: attempts this worker finished and recorded, by outcome
    /// (`succeeded`, `failed`, `timed_out`, `lost`; `cached` for results from the result cache).
    public static let tasksFinished = "qrew_tasks_finished_total"
    /// Histogram (seconds), label `queue`: how long an attempt ran on the worker.
    public static let taskRunDuration = "qrew_task_run_duration_seconds"
    /// Histogram (seconds), label `queue`: how long a task waited ready in its queue before it
    /// was claimed (ready → started, on Redis's clock).
    public static let taskQueueWait = "qrew_task_queue_wait_seconds"
    /// Counter, labels `queue`, `outcome`: attempts whose outcome the step's retry policy retries.
    public static let retries = "qrew_task_retries_total"
    /// Gauge: tasks the worker holds now (running or recording their result).
    public static let runningTasks = "qrew_worker_running_tasks"
    /// Gauge: the worker's slots now (changes under `--concurrency auto`).
    public static let slots = "qrew_worker_slots"

    // MARK: Both services

    /// Counter, label `loop`: Redis calls that failed.
    public static let redisErrors = "qrew_redis_errors_total"
    /// Counter, label `loop`: seconds spent in Redis outages that ended.
    public static let redisOutageSeconds = "qrew_redis_outage_seconds_total"
    /// Gauge, label `loop`: 1 while the loop cannot reach Redis.
    public static let redisUnreachable = "qrew_redis_unreachable"

    // MARK: Coordinator

    /// Counter, label `to` (`leader`, `standby`): this coordinator's leadership changes.
    public static let leadershipChanges = "qrew_leadership_changes_total"
    /// Gauge: 1 while this coordinator leads.
    public static let leader = "qrew_coordinator_leader"
    /// Counter, label `outcome` (`queued`, `rejected`, `duplicate`): submissions the coordinator took in.
    public static let submissions = "qrew_submissions_total"
    /// Histogram (seconds): from reading a submission to its run stored (validate, plan, store).
    public static let intakeLatency = "qrew_intake_latency_seconds"
    /// Counter, label `outcome` (`retrying`, `lost`, `failed`, `gone`): tasks whose lease expired
    /// and that the leader took back.
    public static let leaseReclaims = "qrew_lease_reclaims_total"

    // MARK: Coordinator, leader only (sampled from Redis)

    /// Gauge, label `queue`: ready tasks waiting in a queue.
    public static let readyTasks = "qrew_queue_ready_tasks"
    /// Gauge: tasks holding a lease (running on a worker).
    public static let leasedTasks = "qrew_leased_tasks"
    /// Gauge: tasks waiting out a retry backoff.
    public static let delayedTasks = "qrew_delayed_tasks"
    /// Gauge, label `pool`: tasks in flight in a pool.
    public static let poolInFlight = "qrew_pool_in_flight_tasks"
    /// Gauge, label `pool`: a pool's size.
    public static let poolSize = "qrew_pool_size_tasks"
    /// Gauge, label `pool`: ready tasks parked until a slot of the pool frees.
    public static let poolParked = "qrew_pool_parked_tasks"
    /// Gauge: entries in the dead-letter list.
    public static let deadLetters = "qrew_dead_letters"
    /// Gauge, label `state`: runs in the run index by state (the newest ``MetricNames/runSampleLimit``).
    public static let runs = "qrew_runs"
    /// Gauge: workers that heartbeated within their lease.
    public static let liveWorkers = "qrew_live_workers"
    /// Gauge: submissions in the stream not yet read by a coordinator.
    public static let pendingSubmissions = "qrew_pending_submissions"

    /// Most runs (the newest) whose state the leader counts per sample.
    public static let runSampleLimit = 10_000

    // MARK: Histogram buckets

    /// Buckets (seconds) of ``taskRunDuration``: 10 ms to an hour.
    public static let runDurationBuckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]
    /// Buckets (seconds) of ``taskQueueWait``: 1 ms to an hour.
    public static let queueWaitBuckets: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600]
    /// Buckets (seconds) of ``intakeLatency``: 1 ms to 10 s.
    public static let intakeLatencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Buckets of ``claimBatchSize``: powers of two to 256.
    public static let claimBatchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256]
}
