import Crypto

/// HMAC-SHA256 under one key, keyed once: swift-crypto's `HMAC` state after the padded key is
/// copied per message, so signing or checking a task does not hash the padded key again (two
/// SHA-256 blocks and a handful of allocations per task; `qrew-bench`'s core section measures it).
final class KeyedMAC: @unchecked Sendable {
    /// Never mutated: each message works on a copy, and the copies share its digest contexts
    /// copy-on-write (swift-crypto copies a shared context before updating it), so any number of
    /// threads may use it at once.
    private let keyed: HMAC<SHA256>

    init(key bytes: [UInt8]) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: bytes))
    }

    /// The MAC of `message`.
    func code(_ message: [UInt8]) -> HMAC<SHA256>.MAC {
        var mac = keyed
        mac.update(data: message)
        return mac.finalize()
    }
}
