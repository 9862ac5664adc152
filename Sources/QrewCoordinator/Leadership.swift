import Synchronization

/// The fence this coordinator holds while it leads, shared by its loops.
///
/// Only the leadership loop sets it; the other loops read it before each step and do nothing
/// while it is nil, so a standby stays idle and takes over as soon as it wins the lease. A
/// stopping coordinator resigns: no loop starts another step, and once the steps under way
/// are done the leadership loop releases the lease, so a standby leads within one poll.
final class Leadership: Sendable {
    private struct State {
        var fence: String?
        var resigned = false
        /// Loop steps running under the fence now (`whileLeading`).
        var stepsUnderWay = 0
        /// Pauses under way (`pause(for:)`), which `resign()` ends at once.
        var pauses: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var lastPause: UInt64 = 0
    }

    private let state = Mutex(State())

    var fence: String? { state.withLock { $0.fence } }

    /// Whether `resign()` was called: pauses end early and no step starts any more.
    var hasResigned: Bool { state.withLock { $0.resigned } }

    func set(_ fence: String?) {
        state.withLock { if !$0.resigned { $0.fence = fence } }
    }

    /// Called when a script answered FENCED: another coordinator leads now.
    func lost(_ fence: String) {
        state.withLock { if $0.fence == fence { $0.fence = nil } }
    }

    /// The fence to start a step under, counted as under way until `endStep()`; nil while not leading.
    func beginStep() -> String? {
        state.withLock { state in
            guard let fence = state.fence else { return nil }
            state.stepsUnderWay += 1
            return fence
        }
    }

    func endStep() {
        state.withLock { $0.stepsUnderWay -= 1 }
    }

    /// Stops every loop from starting another step, ends the pauses under way and returns the
    /// fence held, if any.
    func resign() -> String? {
        let (fence, pauses) = state.withLock { state in
            state.resigned = true
            defer {
                state.fence = nil
                state.pauses = [:]
            }
            return (state.fence, Array(state.pauses.values))
        }
        for pause in pauses { pause.resume() }
        return fence
    }

    /// Waits until no step is under way, at most `limit`.
    func waitForStepsUnderWay(limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        while state.withLock({ $0.stepsUnderWay }) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Sleeps `duration` inside a step, waking early when this coordinator resigns or the task
    /// is cancelled, so a loop's wait between two passes never holds up a release of leadership.
    /// One timer per pause: an idle coordinator's loops wake once a pass, not every few
    /// milliseconds to look (wake-ups that delayed single-task runs, docs/benchmarks.md).
    func pause(for duration: Duration) async {
        guard !hasResigned else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.untilResigned() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when this coordinator resigns or the calling task is cancelled.
    private func untilResigned() async {
        let id = state.withLock { state in
            state.lastPause += 1
            return state.lastPause
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // The cancellation flag is set before `onCancel` runs, so a cancellation that
                // comes before the continuation is listed is seen here, and one after finds it.
                let now = state.withLock { state in
                    guard !state.resigned, !Task.isCancelled else { return true }
                    state.pauses[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.pauses.removeValue(forKey: id) }?.resume()
        }
    }
}
