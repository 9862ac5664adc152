import Synchronization

/// Enforces a step's `heartbeatTimeout`: runs an attempt and cancels it (its executor then
/// kills the process group) when no progress was heard for longer than the timeout. The clock
/// starts with the attempt; every progress report restarts it.
final class SilenceWatchdog: Sendable {
    /// The longest silence allowed.
    let timeout: Duration
    private let lastHeard: Mutex<ContinuousClock.Instant>

    init(timeout: Duration) {
        self.timeout = timeout
        self.lastHeard = Mutex(.now)
    }

    /// Restarts the silence clock (a progress report arrived).
    func heard() {
        lastHeard.withLock { $0 = .now }
    }

    /// Runs `attempt` from now; `silent` is true when the watchdog cancelled it.
    func run(_ attempt: @escaping @Sendable () async -> TaskExecutionResult) async -> (result: TaskExecutionResult, silent: Bool) {
        enum Event: Sendable { case done(TaskExecutionResult), silent, stopped }
        heard()
        return await withTaskGroup(of: Event.self) { group in
            group.addTask { .done(await attempt()) }
            group.addTask { [self] in
                while true {
                    let deadline = lastHeard.withLock { $0 } + timeout
                    if ContinuousClock.now >= deadline { return .silent }
                    do { try await Task.sleep(until: deadline, clock: .continuous) } catch { return .stopped }
                }
            }
            var silent = false
            var result: TaskExecutionResult?
            while let event = await group.next() {
                switch event {
                case .done(let finished):
                    result = finished
                    group.cancelAll()
                case .silent:
                    silent = true
                    group.cancelAll()
                case .stopped:
                    continue
                }
                if result != nil { break }
            }
            // The attempt task always finishes (executors return once cancelled).
            // An attempt that succeeded as the silence ran out keeps its success.
            return (result ?? .failed("attempt ended without a result"), silent && result?.outcome != .succeeded)
        }
    }
}
