/// `circuitBreaker:` on a step or in `defaults`: after `failures` failed attempts within `window`
/// the breaker of `key` opens, and the tasks of that key wait (not failed, no attempt counted)
/// until `cooldown` passes; then one probe runs: success closes the breaker, failure reopens it.
/// Breakers are shared by every run of the namespace.
public struct CircuitBreakerSpec: Sendable, Hashable, Codable {
    /// Failed attempts within `window` that open the breaker.
    public var failures: Int
    /// How far back failures count.
    public var window: Duration
    /// How long an open breaker holds its tasks back before a probe may run.
    public var cooldown: Duration
    /// Breaker name (may contain `params` / `matrix` templates); `nil` means the step id.
    public var key: String?

    /// Creates a breaker setting.
    public init(failures: Int, window: Duration, cooldown: Duration, key: String? = nil) {
        self.failures = failures
        self.window = window
        self.cooldown = cooldown
        self.key = key
    }
}

/// `rateLimit:` on a step: at most `limit` tasks of `key` start in any span of `per`, across every
/// worker and run of the namespace (a sliding-window log, so no burst beyond `limit`).
public struct RateLimitSpec: Sendable, Hashable, Codable {
    /// Limit name (may contain `params` / `matrix` templates); `nil` means the step id.
    public var key: String?
    /// Starts allowed in any span of `per`.
    public var limit: Int
    /// The span the limit counts starts in.
    public var per: Duration

    /// Creates a rate limit setting.
    public init(key: String? = nil, limit: Int, per: Duration) {
        self.key = key
        self.limit = limit
        self.per = per
    }
}

/// `concurrency:` on a step: at most `limit` tasks with the same rendered `key` in flight, across
/// every run of the namespace (a pool whose name is computed at submission, e.g. per customer).
public struct KeyedConcurrencySpec: Sendable, Hashable, Codable {
    /// Key template, e.g. `${{ params.customer }}`.
    public var key: String
    /// Tasks of one key value in flight at once.
    public var limit: Int

    /// Creates a keyed concurrency setting.
    public init(key: String, limit: Int) {
        self.key = key
        self.limit = limit
    }
}

/// How gate and limit names carry a user's key inside the comma-separated `gates` and `limits`
/// task fields: `%` and `,` are percent-escaped, everything else stays readable.
public enum GateKeyEscaping {
    /// `key` with `%` as `%25` and `,` as `%2C`.
    public static func escape(_ key: String) -> String {
        guard key.contains(where: { $0 == "%" || $0 == "," }) else { return key }
        var out = ""
        for character in key {
            switch character {
            case "%": out += "%25"
            case ",": out += "%2C"
            default: out.append(character)
            }
        }
        return out
    }

    /// The key `escape` turned into `escaped`.
    public static func unescape(_ escaped: String) -> String {
        guard escaped.contains("%") else { return escaped }
        return escaped.replacing("%2C", with: ",").replacing("%25", with: "%")
    }
}
