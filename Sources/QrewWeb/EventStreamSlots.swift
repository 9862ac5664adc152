import Synchronization

/// Counts the open event streams and refuses one past the limit: each stream holds a Redis
/// connection (and its thread) blocked in `XREAD`, so their number must be bounded.
final class EventStreamSlots: Sendable {
    private let open = Mutex(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a slot; false when all are taken.
    func take() -> Bool {
        open.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    func release() {
        open.withLock { $0 -= 1 }
    }

}
