import Synchronization

/// The fence this coordinator holds while it leads, shared by its loops.
///
/// Only the leadership loop sets it; the other loops read it before each step and do nothing
/// while it is nil, so a standby stays idle and takes over as soon as it wins the lease.
final class Leadership: Sendable {
    private let current = Mutex<String?>(nil)

    var fence: String? { current.withLock { $0 } }

    func set(_ fence: String?) {
        current.withLock { $0 = fence }
    }

    /// Called when a script answered FENCED: another coordinator leads now.
    func lost(_ fence: String) {
        current.withLock { if $0 == fence { $0 = nil } }
    }
}
