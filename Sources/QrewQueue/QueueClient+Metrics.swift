import QrewRedis

/// The queue-level state the leading coordinator exports as gauges (`metrics_snapshot`).
public struct QueueMetricsSnapshot: Sendable, Equatable {
    /// One pool's slots.
    public struct Pool: Sendable, Equatable {
        public var size: Int
        public var inFlight: Int
        public var parked: Int

        public init(size: Int, inFlight: Int, parked: Int) {
            self.size = size
            self.inFlight = inFlight
            self.parked = parked
        }
    }

    /// Ready tasks per queue (every queue a task was ever made ready on).
    public var readyByQueue: [String: Int] = [:]
    /// Every declared pool's slots, by pool name.
    public var pools: [String: Pool] = [:]
    /// Tasks holding a lease.
    public var leased = 0
    /// Tasks waiting out a retry backoff.
    public var delayed = 0
    /// Entries in the dead-letter list.
    public var deadLetters = 0
    /// Workers in the worker index (heartbeated within two leases).
    public var workers = 0
    /// Runs by state, among the newest ones counted.
    public var runsByState: [String: Int] = [:]

    public init() {}
}

extension QueueClient {
    /// Reads the queue-level gauges in one read-only call, counting the states of at most the
    /// newest `maxRuns` runs.
    public func metricsSnapshot(maxRuns: Int = MetricNames.runSampleLimit) async throws(QueueError) -> QueueMetricsSnapshot {
        let reply = try await run(.metricsSnapshot, [.int(maxRuns)])
        guard let parts = reply.array, parts.count == 7,
              let queues = parts[0].array, queues.count % 2 == 0,
              let pools = parts[1].array, pools.count % 4 == 0,
              let leased = parts[2].int, let delayed = parts[3].int, let deadLetters = parts[4].int,
              let workers = parts[5].int, let runs = parts[6].array, runs.count % 2 == 0
        else { throw unexpected(.metricsSnapshot, reply) }
        var snapshot = QueueMetricsSnapshot()
        for index in stride(from: 0, to: queues.count, by: 2) {
            guard let name = queues[index].string, let ready = queues[index + 1].int else { throw unexpected(.metricsSnapshot, reply) }
            snapshot.readyByQueue[name] = ready
        }
        for index in stride(from: 0, to: pools.count, by: 4) {
            guard let name = pools[index].string, let size = pools[index + 1].int, let inFlight = pools[index + 2].int,
                  let parked = pools[index + 3].int
            else { throw unexpected(.metricsSnapshot, reply) }
            snapshot.pools[name] = .init(size: size, inFlight: inFlight, parked: parked)
        }
        for index in stride(from: 0, to: runs.count, by: 2) {
            guard let state = runs[index].string, let count = runs[index + 1].int else { throw unexpected(.metricsSnapshot, reply) }
            snapshot.runsByState[state] = count
        }
        snapshot.leased = leased
        snapshot.delayed = delayed
        snapshot.deadLetters = deadLetters
        snapshot.workers = workers
        return snapshot
    }
}
