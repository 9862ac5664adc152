import Synchronization

/// A value set once (typically by a dedicated thread) and awaited by async code without
/// blocking a cooperative thread. Waiting is not cancellable: use it only for values that are
/// guaranteed to arrive (a reaped child, a reader that stops by a deadline).
///
/// The state behind it is not generic (the value is held as `any Sendable`): code of a generic
/// type of another module runs unspecialized, and a generic state, lock and continuation made
/// every `fulfill` and `value` look up their metadata at run time (a worker makes one of these
/// per task it records: 3.5% of its instructions per no-op task).
package final class OneShot<Value: Sendable>: Sendable {
    private let slot = OneShotSlot()

    package init() {}

    package func fulfill(_ value: Value) {
        slot.fulfill(value)
    }

    package var value: Value {
        get async { await slot.value as! Value }
    }

    /// The value if it has arrived, without waiting.
    package var current: Value? { slot.current.map { $0 as! Value } }
}

/// `OneShot`'s state, for values of any type.
private final class OneShotSlot: Sendable {
    private struct State {
        var value: (any Sendable)?
        var waiters: [CheckedContinuation<any Sendable, Never>] = []
    }

    private let state = Mutex(State())

    func fulfill(_ value: any Sendable) {
        let waiters = state.withLock { state -> [CheckedContinuation<any Sendable, Never>] in
            precondition(state.value == nil, "OneShot fulfilled twice")
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    var value: any Sendable {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> (any Sendable)? in
                    if let value = state.value { return value }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }

    var current: (any Sendable)? { state.withLock { $0.value } }
}

/// Runs `body` in a fresh task that does not inherit the caller's cancellation: clean-up
/// (killing a process group, waiting out a grace period) must finish even when the attempt
/// was cancelled, and `Task.sleep` in a cancelled task returns at once.
@discardableResult
package func withoutCancellation<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T {
    await Task { await body() }.value
}
