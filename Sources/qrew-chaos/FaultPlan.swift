import QrewCore

/// The seeded schedule of faults: when each one fires, what it is, whom it hits and how long the
/// victim stays down. Kinds are dealt from a shuffled deck of every kind (partitions only when
/// some workers reach Redis through the partition proxy), so a short window still gets every
/// kind; gaps are the kill interval ± 40%.
struct FaultPlan: Sendable {
    enum Action: Sendable {
        /// SIGKILL a worker, start a replacement (new name) after `downtime`.
        case killWorker(slot: Int, downtime: Duration)
        /// SIGKILL a coordinator, restart it (same id) after `downtime`: 0.5–8 s, so about half the
        /// time the leader lease (5 s) runs out first and a standby takes over.
        case killCoordinator(slot: Int, downtime: Duration)
        /// SIGSTOP a worker for `hold` (longer than its lease), then SIGCONT.
        case stopWorker(slot: Int, hold: Duration)
        /// Stop redis-server (SIGTERM, or SIGKILL when `kill`), start it again after `downtime`.
        case restartRedis(kill: Bool, downtime: Duration)
        /// SIGSTOP the leading coordinator (`slot` if none is known) for `hold`, longer than the
        /// leader lease, then SIGCONT: a standby takes over and the fenced ex-leader cannot act.
        case stopCoordinator(slot: Int, hold: Duration)
        /// Black-hole the proxy between the proxied workers and Redis for `hold` (longer than
        /// the lease), then heal it: resume the held connections, or reset them when `reset`.
        case partitionWorkers(hold: Duration, reset: Bool)
    }

    struct Fault: Sendable {
        /// Time since the window opened.
        let at: Duration
        let action: Action
    }

    let faults: [Fault]
    /// The workers' lease the plan was made for.
    let lease: Duration

    /// - Parameters:
    ///   - leaderLease: the coordinators' leader lease; a frozen leader is held past it.
    ///   - partitions: whether some workers reach Redis through the partition proxy.
    init(
        seed: UInt64, window: Duration, interval: Duration, lease: Duration, leaderLease: Duration,
        workers: Int, coordinators: Int, partitions: Bool
    ) {
        var random = SplitMix64(seed: seed ^ 0xFA17_0000_0000_0002)
        var faults: [Fault] = []
        var deck: [FaultLog.Kind] = []
        var at = interval * 0.5
        while at < window {
            if deck.isEmpty {
                deck = FaultLog.Kind.allCases.filter { partitions || $0 != .workerPartition }.shuffled(using: &random)
            }
            let action: Action
            switch deck.removeLast() {
            case .workerKill:
                action = .killWorker(slot: Int.random(in: 0..<workers, using: &random),
                                     downtime: .milliseconds(Int.random(in: 200...1500, using: &random)))
            case .coordinatorKill:
                action = .killCoordinator(slot: Int.random(in: 0..<coordinators, using: &random),
                                          downtime: .milliseconds(Int.random(in: 500...8000, using: &random)))
            case .workerStop:
                action = .stopWorker(slot: Int.random(in: 0..<workers, using: &random),
                                     hold: lease * Double.random(in: 1.5...2.5, using: &random))
            case .redisRestart:
                action = .restartRedis(kill: Bool.random(using: &random),
                                       downtime: .milliseconds(Int.random(in: 300...2000, using: &random)))
            case .coordinatorStop:
                action = .stopCoordinator(slot: Int.random(in: 0..<coordinators, using: &random),
                                          hold: leaderLease + .milliseconds(Int.random(in: 1000...4000, using: &random)))
            case .workerPartition:
                action = .partitionWorkers(hold: lease * Double.random(in: 1.5...3, using: &random), reset: Bool.random(using: &random))
            }
            faults.append(Fault(at: at, action: action))
            at += interval * Double.random(in: 0.6...1.4, using: &random)
        }
        self.faults = faults
        self.lease = lease
    }
}
