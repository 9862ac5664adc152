import CoreMetrics
import QrewQueue
import Synchronization

/// What a worker records through swift-metrics (docs/operations.md, *Metrics*): claims, finished
/// attempts by queue and state, run and queue-wait times, retries, held tasks and slots. All
/// in-process, no Redis call; with swift-metrics not bootstrapped (no `--metrics-port`) every
/// call lands in the no-op handler. The labeled metrics are made once per queue and state and
/// kept, so a task costs a dictionary lookup, not a trip through the metrics factory (which
/// validates names and labels on every call).
final class WorkerMetrics: Sendable {
    private let claims = Counter(label: MetricNames.claims)
    private let claimBatchSize = Recorder(label: MetricNames.claimBatchSize, aggregate: true)
    private let runningTasks = Gauge(label: MetricNames.runningTasks)
    private let slots = Gauge(label: MetricNames.slots)
    private let perQueue = Mutex<[String: QueueMetrics]>([:])

    /// The metrics labeled with one queue.
    private final class QueueMetrics: Sendable {
        let queue: String
        let runDuration: CoreMetrics.Timer
        let queueWait: CoreMetrics.Timer
        /// Counters by metric name and label value: a key of two strings, not one made of them
        /// (that would allocate on every lookup).
        private struct CounterKey: Hashable {
            let name: String
            let value: String
        }

        private let counters = Mutex<[CounterKey: Counter]>([:])

        init(queue: String) {
            self.queue = queue
            runDuration = CoreMetrics.Timer(label: MetricNames.taskRunDuration, dimensions: [("queue", queue)])
            queueWait = CoreMetrics.Timer(label: MetricNames.taskQueueWait, dimensions: [("queue", queue)])
        }

        /// `name`'s counter for this queue with `label` = `value` (made on first use).
        func counter(_ name: String, _ label: String, _ value: String) -> Counter {
            counters.withLock { counters in
                let key = CounterKey(name: name, value: value)
                if let counter = counters[key] { return counter }
                let counter = Counter(label: name, dimensions: [("queue", queue), (label, value)])
                counters[key] = counter
                return counter
            }
        }
    }

    private func metrics(_ queue: String) -> QueueMetrics {
        perQueue.withLock { perQueue in
            if let metrics = perQueue[queue] { return metrics }
            let metrics = QueueMetrics(queue: queue)
            perQueue[queue] = metrics
            return metrics
        }
    }

    /// Records a non-empty claim: its size and how long each task waited ready.
    func claimed(_ tasks: [ClaimedTask]) {
        guard !tasks.isEmpty else { return }
        claims.increment()
        claimBatchSize.record(tasks.count)
        for task in tasks {
            guard let wait = task.queueWait else { continue }
            metrics(task.queue).queueWait.recordNanoseconds(wait.wholeNanoseconds)
        }
    }

    /// Records one attempt that ran for `duration` and whose result Redis took: a final result
    /// counts as a finished task in `state`; one the retry policy retries counts as a retry.
    func finished(_ task: ClaimedTask, state: String, retrying: Bool, ranFor duration: Duration) {
        let queue = metrics(task.queue)
        queue.runDuration.recordNanoseconds(duration.wholeNanoseconds)
        if retrying {
            queue.counter(MetricNames.retries, "outcome", state).increment()
        } else {
            queue.counter(MetricNames.tasksFinished, "state", state).increment()
        }
    }

    /// Records a task the result cache completed before it ran.
    func completedFromCache(_ task: ClaimedTask) {
        metrics(task.queue).counter(MetricNames.tasksFinished, "state", "cached").increment()
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
