/// One circuit breaker as `qctl breakers` shows it.
public struct BreakerStatus: Sendable, Hashable {
    /// The breaker's key (unescaped).
    public var key: String
    /// `closed`, `open` or `half_open`.
    public var state: String
    /// Failed attempts recorded within the window.
    public var failuresInWindow: Int
    /// When the cooldown of an open breaker ends (ms since the epoch, Redis clock); nil unless open.
    public var openUntil: Int?
    /// When the breaker last opened (ms since the epoch).
    public var openedAt: Int?
    /// The task running as the half-open probe.
    public var probe: String?
    /// Tasks waiting for the breaker.
    public var parked: Int
}
