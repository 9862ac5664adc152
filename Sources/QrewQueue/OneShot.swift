import Synchronization

/// A value set once (typically by a dedicated thread) and awaited by async code without
/// blocking a cooperative thread. Waiting is not cancellable: use it only for values that are
/// guaranteed to arrive (a reaped child, a reader that stops by a deadline).
package final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }

    private let state = Mutex(State())

    package init() {}

    package func fulfill(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, Never>] in
            precondition(state.value == nil, "OneShot fulfilled twice")
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    package var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Value? in
                    if let value = state.value { return value }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }

    /// The value if it has arrived, without waiting.
    package var current: Value? { state.withLock { $0.value } }
}

/// Runs `body` in a fresh task that does not inherit the caller's cancellation: clean-up
/// (killing a process group, waiting out a grace period) must finish even when the attempt
/// was cancelled, and `Task.sleep` in a cancelled task returns at once.
@discardableResult
package func withoutCancellation<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
    await Task { await body() }.value
}
