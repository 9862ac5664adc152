import QrewCore

/// The task fields the cluster-wide gates need at claim and completion time (docs/protocol.md,
/// *Gates*): every setting travels in the names, so the scripts look nothing up.
extension RunRecordBuilder {
    /// The keyed-concurrency limit name (`key:<limit>:<escaped key>`) of a task, if it has one.
    static func keyedLimit(_ settings: TaskSettings) -> String? {
        guard let keyed = settings.concurrency else { return nil }
        return "key:\(keyed.limit):\(GateKeyEscaping.escape(keyed.key))"
    }

    /// `gates` (comma-separated gate names) and `concurrencyKey` (the rendered key, for display and
    /// fair ordering) for a task that uses them; empty for the others.
    static func gateFields(_ settings: TaskSettings) -> [String: String] {
        var fields: [String: String] = [:]
        var gates: [String] = []
        if let breaker = settings.circuitBreaker {
            gates.append("breaker:\(breaker.failures):\(milliseconds(breaker.window)):\(milliseconds(breaker.cooldown)):"
                + GateKeyEscaping.escape(breaker.key ?? ""))
        }
        if let rate = settings.rateLimit {
            gates.append("rate:\(rate.limit):\(milliseconds(rate.per)):\(GateKeyEscaping.escape(rate.key ?? ""))")
        }
        if !gates.isEmpty { fields["gates"] = gates.joined(separator: ",") }
        if let keyed = settings.concurrency { fields["concurrencyKey"] = keyed.key }
        return fields
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        max(1, Int(duration / .milliseconds(1)))
    }
}
