import Logging
import CoreMetrics
import QrewQueue

/// A metrics sample loop keeps the queue-level gauges (ready tasks per queue, pools, leases,
/// retries waiting, dead letters, workers, runs by state) current on the leader's /metrics: one
/// read-only `metrics_snapshot` call every `interval`. Only the leader samples and exports them,
/// so a scrape of every coordinator counts each queue once; a coordinator that stops leading
/// drops them from its /metrics.
struct MetricsSampleLoop {
    let queue: QueueClient
    let leadership: Leadership
    let interval: Duration
    let log: Logger

    func run() async {
        let gauges = SampledGauges()
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "metrics")) { fence in
            gauges.update(try await queue.metricsSnapshot())
            // Sleep in short steps so a lost leadership drops the gauges within a step.
            let clock = ContinuousClock()
            let due = clock.now + interval
            while clock.now < due, leadership.fence == fence {
                try? await Task.sleep(for: min(interval, .milliseconds(250)))
                if Task.isCancelled { break }
            }
            if leadership.fence != fence { gauges.removeAll() }
        }
        gauges.removeAll()
    }
}

/// The gauges of the last snapshot, by name and labels, so those that vanish (a queue that no
/// longer exists, a run state no run is in, the whole set when leadership is lost) are
/// removed from the endpoint instead of showing stale values.
private final class SampledGauges: @unchecked Sendable {
    // Only the sample loop's task touches it.
    private var current: [String: Gauge] = [:]

    func update(_ snapshot: QueueMetricsSnapshot) {
        var values: [(String, [(String, String)], Int)] = [
            (MetricNames.leasedTasks, [], snapshot.leased),
            (MetricNames.delayedTasks, [], snapshot.delayed),
            (MetricNames.deadLetters, [], snapshot.deadLetters),
            (MetricNames.liveWorkers, [], snapshot.workers),
        ]
        for (queue, ready) in snapshot.readyByQueue { values.append((MetricNames.readyTasks, [("queue", queue)], ready)) }
        for (pool, slots) in snapshot.pools {
            values.append((MetricNames.poolSize, [("pool", pool)], slots.size))
            values.append((MetricNames.poolInFlight, [("pool", pool)], slots.inFlight))
            values.append((MetricNames.poolParked, [("pool", pool)], slots.parked))
        }
        for (state, count) in snapshot.runsByState { values.append((MetricNames.runs, [("state", state)], count)) }
        var next: [String: Gauge] = [:]
        for (name, labels, value) in values {
            let key = name + labels.map { "\u{1}\($0.0)=\($0.1)" }.joined()
            let gauge = current.removeValue(forKey: key) ?? Gauge(label: name, dimensions: labels)
            gauge.record(value)
            next[key] = gauge
        }
        for gauge in current.values { gauge.destroy() }
        current = next
    }

    func removeAll() {
        for gauge in current.values { gauge.destroy() }
        current = [:]
    }
}
