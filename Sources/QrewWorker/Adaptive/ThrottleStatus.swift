import QrewCore
import Synchronization

/// What the throttle loop last measured and changed, for the heartbeat's worker info
/// (`qctl workers`). Written by the throttle loop, read by the heartbeat.
final class ThrottleStatus: Sendable {
    /// The last slot change, as the heartbeat info shows it.
    struct Event: Sendable, Encodable, Equatable {
        let from: Int
        let to: Int
        let reason: String
        /// Milliseconds since the epoch (the worker's clock).
        let at: Int64
    }

    private struct State {
        var sample: PressureSample?
        var last: Event?
        var count = 0
    }

    private let state = Mutex(State())

    /// Remembers the latest sample.
    func record(_ sample: PressureSample) {
        state.withLock { $0.sample = sample }
    }

    /// Remembers a slot change made at `at` (ms since the epoch).
    func record(_ change: SlotChange, at: Int64) {
        state.withLock { state in
            state.last = Event(from: change.from, to: change.to, reason: change.reason, at: at)
            state.count += 1
        }
    }

    /// The latest sample, the last change and how many changes there were.
    var snapshot: (sample: PressureSample?, last: Event?, count: Int) {
        state.withLock { ($0.sample, $0.last, $0.count) }
    }
}
