/// Keys of the cluster-wide gates (Scripts/lib/gates.lua, lib/limits.lua `key:` limits).
extension Keys {
    /// Sorted set of gate names by the time their waiters may be woken (`wake_gates`).
    public var gatesDue: String { "\(prefix):gates:due" }
    /// Sorted set of the circuit breaker keys (escaped) that have state, by when it expires at the latest.
    public var breakers: String { "\(prefix):breakers" }
    /// Hash of one circuit breaker's state; `key` as it appears in gate names (escaped).
    public func breaker(_ key: String) -> String { "\(prefix):breaker:\(key)" }
    /// Sorted set of a breaker's failure times within its window.
    public func breakerFailures(_ key: String) -> String { "\(prefix):breaker:\(key):failures" }
    /// Sorted set of the tasks waiting for a breaker (by ready score).
    public func breakerParked(_ key: String) -> String { "\(prefix):breaker:\(key):parked" }
    /// Sorted set of the tasks waiting at a rate limit gate (`rate:<limit>:<perMs>:<key>`).
    public func gateParked(_ gate: String) -> String { "\(prefix):\(gate):parked" }
    /// The sliding-window log of a rate limit gate: start times within its span.
    public func rateLog(_ gate: String) -> String { "\(prefix):\(gate)" }
    /// Hash {inflight} of a keyed concurrency limit (`key:<limit>:<key>`).
    public func keyedLimit(_ limit: String) -> String { "\(prefix):\(limit)" }
}
