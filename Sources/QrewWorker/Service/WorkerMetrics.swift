import CoreMetrics
import QrewQueue

/// What a worker records through swift-metrics (docs/operations.md, *Metrics*): claims, finished
/// attempts by queue and state, run and queue-wait times, retries, held tasks and slots. All
/// in-process, no Redis call; with swift-metrics not bootstrapped (no `--metrics-port`) every
/// call lands in the no-op handler.
struct WorkerMetrics: Sendable {
    private let claims = Counter(label: MetricNames.claims)
    private let claimBatchSize = Recorder(label: MetricNames.claimBatchSize, aggregate: true)
    private let runningTasks = Gauge(label: MetricNames.runningTasks)
    private let slots = Gauge(label: MetricNames.slots)

    /// Records a non-empty claim: its size and how long each task waited ready.
    func claimed(_ tasks: [ClaimedTask]) {
        guard !tasks.isEmpty else { return }
        claims.increment()
        claimBatchSize.record(tasks.count)
        for task in tasks {
            guard let wait = task.queueWait else { continue }
            CoreMetrics.Timer(label: MetricNames.taskQueueWait, dimensions: [("queue", task.queue)]).recordNanoseconds(wait.wholeNanoseconds)
        }
    }

    /// Records one attempt that ran for `duration` and whose result Redis took: a final result
    /// counts as a finished task in `state`; one the retry policy retries counts as a retry.
    func finished(_ task: ClaimedTask, state: String, retrying: Bool, ranFor duration: Duration) {
        CoreMetrics.Timer(label: MetricNames.taskRunDuration, dimensions: [("queue", task.queue)]).recordNanoseconds(duration.wholeNanoseconds)
        if retrying {
            Counter(label: MetricNames.retries, dimensions: [("queue", task.queue), ("outcome", state)]).increment()
        } else {
            Counter(label: MetricNames.tasksFinished, dimensions: [("queue", task.queue), ("state", state)]).increment()
        }
    }

    /// Records a task the result cache completed before it ran.
    func completedFromCache(_ task: ClaimedTask) {
        Counter(label: MetricNames.tasksFinished, dimensions: [("queue", task.queue), ("state", "cached")]).increment()
    }

    /// Sets the held-tasks and slots gauges.
    func held(_ count: Int, slots total: Int) {
        runningTasks.record(count)
        slots.record(total)
    }
}

extension Duration {
    /// The whole nanoseconds of this duration.
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
