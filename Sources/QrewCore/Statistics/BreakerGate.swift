/// A circuit breaker gate as a task stores it: `breaker:<failures>:<windowMs>:<cooldownMs>:<key>`
/// (docs/protocol.md, *Gates*), the key escaped.
public struct BreakerGate: Sendable, Hashable {
    /// Failed attempts within the window that open it.
    public var failures: Int
    public var windowMilliseconds: Int
    public var cooldownMilliseconds: Int
    /// The key as stored (`%` as `%25`, `,` as `%2C`): what `P:breaker:<key>` is named by.
    public var escapedKey: String

    /// Nil for a gate that is no breaker (a rate limit) or is malformed.
    public init?(_ gate: String) {
        let parts = gate.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "breaker", let failures = Int(parts[1]), let window = Int(parts[2]),
              let cooldown = Int(parts[3]) else { return nil }
        self.failures = failures
        windowMilliseconds = window
        cooldownMilliseconds = cooldown
        escapedKey = String(parts[4])
    }

    /// The key for people.
    public var key: String { GateKeyEscaping.unescape(escapedKey) }
}
