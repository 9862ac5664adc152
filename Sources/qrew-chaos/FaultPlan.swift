import QrewCore

/// The seeded schedule of faults: when each one fires, what it is, whom it hits and how long the
/// victim stays down. Kinds are dealt from a shuffled deck of all four, so a short window still
/// gets every kind; gaps are the kill interval ± 40%.
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
    }

    struct Fault: Sendable {
        /// Time since the window opened.
        let at: Duration
        let action: Action
    }

    let faults: [Fault]

    init(seed: UInt64, window: Duration, interval: Duration, lease: Duration, workers: Int, coordinators: Int) {
        var random = SplitMix64(seed: seed ^ 0xFA17_0000_0000_0002)
        var faults: [Fault] = []
        var deck: [FaultLog.Kind] = []
        var at = interval * 0.5
        while at < window {
            if deck.isEmpty { deck = FaultLog.Kind.allCases.shuffled(using: &random) }
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
            }
            faults.append(Fault(at: at, action: action))
            at += interval * Double.random(in: 0.6...1.4, using: &random)
        }
        self.faults = faults
    }
}
