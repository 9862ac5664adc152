import Synchronization

/// Runs `body` in a task of its own and returns its value, or nil as soon as the caller is
/// cancelled, leaving `body` to finish unobserved.
///
/// For blocking Redis calls (BLPOP), which run on a connection thread and cannot be
/// interrupted: a draining worker must stop waiting for work at once, not when the block
/// time runs out.
func untilCancelled<T: Sendable>(_ body: @escaping @Sendable () async -> T) async -> T? {
    let gate = ResumeOnce<T?>()
    return await withTaskCancellationHandler {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            gate.wait(continuation)
            Task { gate.resume(await body()) }
        }
    } onCancel: {
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

    func resume(_ value: T) {
        let continuation = state.withLock { state -> CheckedContinuation<T, Never>? in
            guard !state.done else { return nil }
            state.done = true
            guard let continuation = state.continuation else {
                state.value = value
                return nil
            }
            state.continuation = nil
            return continuation
        }
        continuation?.resume(returning: value)
    }
}
