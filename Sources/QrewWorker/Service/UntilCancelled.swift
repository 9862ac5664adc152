import Synchronization

/// Runs `body` in a task of its own and returns its value, or nil as soon as the caller is
/// cancelled, leaving `body` to finish unobserved.
///
/// For blocking Redis calls (BLPOP), which run on a connection thread and cannot be
/// interrupted: a draining worker must stop waiting for work at once, not when the block
/// time runs out. `onCancel` runs when the caller is cancelled (so `body` can skip work it has
/// not started), and `unclaimed` receives the value `body` returns after that, which nobody
/// else will see (so claimed work can be handed back).
func untilCancelled<T: Sendable>(
    _ body: @escaping @Sendable () async -> T,
    onCancel: @escaping @Sendable () -> Void = {},
    unclaimed: @escaping @Sendable (T) async -> Void = { _ in }
) async -> T? {
    let gate = ResumeOnce<T?>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            gate.wait(continuation)
            Task {
                let value = await body()
                if !gate.resume(value) { await unclaimed(value) }
            }
        }
    } onCancel: {
        onCancel()
        gate.resume(nil)
    }
}

/// A continuation resumed by the first of several racing parties; the value may arrive before
/// the continuation is registered.
private final class ResumeOnce<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, Never>?
        var value: T?
        var done = false
    }

    private let state = Mutex(State())

    func wait(_ continuation: CheckedContinuation<T, Never>) {
        let ready = state.withLock { state -> T? in
            if let value = state.value {
                state.value = nil
                return value
            }
            state.continuation = continuation
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }

    /// Delivers `value` unless another party already did; returns whether this call delivered.
    @discardableResult
    func resume(_ value: T) -> Bool {
        let (continuation, delivered) = state.withLock { state -> (CheckedContinuation<T, Never>?, Bool) in
            guard !state.done else { return (nil, false) }
            state.done = true
            guard let continuation = state.continuation else {
                state.value = value
                return (nil, true)
            }
            state.continuation = nil
            return (continuation, true)
        }
        continuation?.resume(returning: value)
        return delivered
    }
}
