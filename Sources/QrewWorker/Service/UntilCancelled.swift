import Synchronization

/// Starts work that reports its value through a callback (`start` gets the callback) and
/// returns that value, or nil as soon as the caller is cancelled, leaving the work to finish
/// unobserved.
///
/// For blocking Redis calls (BLPOP), which run on a connection thread and cannot be
/// interrupted: a draining worker must stop waiting for work at once, not when the block
/// time runs out. The callback, called on the connection's thread, resumes the caller
/// directly (no task in between: one thread hop fewer per wake-up). `onCancel` runs when the
/// caller is cancelled (so the work can skip what it has not started), and `unclaimed`
/// receives the value delivered after that, which nobody else will see (so claimed work can
/// be handed back).
func untilCancelled<T: Sendable>(
    starting start: (_ deliver: @escaping @Sendable (T) -> Void) -> Void,
    onCancel: @escaping @Sendable () -> Void = {},
    unclaimed: @escaping @Sendable (T) async -> Void = { _ in }
) async -> T? {
    let gate = ResumeOnce<T?>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            gate.wait(continuation)
            start { value in
                if !gate.resume(value) { Task { await unclaimed(value) } }
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
