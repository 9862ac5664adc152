import Synchronization

/// Collects lines from reader threads and hands them to an async ``OutputSink`` in batches of
/// at most `maxBatch` lines, each delivered at most about `maxDelay` after its first line
/// arrived (sooner when the batch fills).
///
/// `append` never blocks or suspends (it is called from reader threads); delivery happens in
/// ``run(_:)``, one batch at a time. Lines beyond `maxPending` waiting lines are dropped and
/// counted, so a stalled sink cannot grow memory without bound.
final class OutputBatcher: Sendable {
    let maxBatch: Int
    let maxDelay: Duration
    let maxPending: Int

    private struct State {
        var lines: [OutputLine] = []
        var firstAt: ContinuousClock.Instant?
        var dropped = 0
        var finished = false
        var signaled = false
        var timerArmed = false
        var waiter: CheckedContinuation<Void, Never>?

        /// Wakes the flusher, or remembers to if it is not waiting yet.
        mutating func signal() -> CheckedContinuation<Void, Never>? {
            if let waiter {
                self.waiter = nil
                return waiter
            }
            signaled = true
            return nil
        }
    }

    private let state = Mutex(State())

    init(maxBatch: Int = 64, maxDelay: Duration = .milliseconds(50), maxPending: Int = 10_000) {
        self.maxBatch = maxBatch
        self.maxDelay = maxDelay
        self.maxPending = maxPending
    }

    func append(_ line: OutputLine) {
        let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.finished else { return nil }
            guard s.lines.count < maxPending else {
                s.dropped += 1
                return nil
            }
            s.lines.append(line)
            if s.firstAt == nil { s.firstAt = .now }
            return s.lines.count == 1 || s.lines.count == maxBatch ? s.signal() : nil
        }
        wake?.resume()
    }

    /// No more lines will come; ``run(_:)`` delivers what is left and returns.
    func finish() {
        let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.finished = true
            return s.signal()
        }
        wake?.resume()
    }

    private func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.signaled {
                    s.signaled = false
                    return true
                }
                s.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private enum Step {
        case flush([OutputLine])
        case armTimer(ContinuousClock.Instant)
        case idle
        case done
    }

    private func nextStep() -> Step {
        state.withLock { s -> Step in
            let now = ContinuousClock.now
            if s.lines.isEmpty {
                if s.dropped > 0, s.finished || s.firstAt == nil {
                    let notice = OutputLine(.stderr, "[qrew: \(s.dropped) lines dropped from the live stream]")
                    s.dropped = 0
                    return .flush([notice])
                }
                return s.finished ? .done : .idle
            }
            let due = s.finished || s.lines.count >= maxBatch || now - s.firstAt! >= maxDelay
            if due {
                let n = min(maxBatch, s.lines.count)
                let batch = Array(s.lines.prefix(n))
                s.lines.removeFirst(n)
                s.firstAt = s.lines.isEmpty ? nil : now
                return .flush(batch)
            }
            if s.timerArmed { return .idle }
            s.timerArmed = true
            return .armTimer(s.firstAt! + maxDelay)
        }
    }

    private func timerFired() {
        let wake = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.timerArmed = false
            return s.signal()
        }
        wake?.resume()
    }

    /// Delivers batches to `sink` until ``finish()`` was called and everything is delivered.
    func run(_ sink: OutputSink) async {
        while true {
            await wait()
            drain: while true {
                switch nextStep() {
                case .done:
                    return
                case .idle:
                    break drain
                case .armTimer(let deadline):
                    Task { [self] in
                        try? await Task.sleep(until: deadline, clock: .continuous)
                        timerFired()
                    }
                    break drain
                case .flush(let batch):
                    await sink(batch)
                }
            }
        }
    }
}
