import Synchronization

/// A one-way switch from running to draining that async code can wait on.
final class DrainSignal: Sendable {
    private struct State {
        var requested = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Flips the switch; the first time, runs `announce` before anyone waiting wakes up.
    func request(announce: () -> Void) {
        let (first, waiters) = state.withLock { state in
            defer {
                state.requested = true
                state.waiters = []
            }
            return (!state.requested, state.waiters)
        }
        if first { announce() }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether the switch is flipped.
    var isRequested: Bool { state.withLock { $0.requested } }

    /// Suspends until the switch is flipped.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.requested { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
