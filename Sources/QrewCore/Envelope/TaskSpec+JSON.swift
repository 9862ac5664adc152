/// A hand-written JSON encoding of `TaskSpec`, for the coordinator's intake: Foundation's
/// `JSONEncoder` spent ~20 µs per task (≈0.2 s of a 10,000-task run) boxing every value.
///
/// The text has the shape `JSONEncoder` with `.sortedKeys` produces for the synthesized
/// `Codable` conformance, so `TaskSpec(jsonText:)` (what workers use) and
/// `JSONDecoder().decode(TaskSpec.self, …)` both read it back equal:
/// keys sorted, absent optionals left out, a `Duration` as `[high, low]` (its `Codable` form),
/// `retryOn` sorted. Strings are escaped per RFC 8259 (`"`, `\` and every control character);
/// everything else, non-ASCII included, is written as UTF-8.
extension TaskSpec {
    /// Retry conditions in the order of their names, as `retryOn` is written.
    private static let conditionsByName = RetryPolicy.Condition.allCases.sorted { $0.rawValue < $1.rawValue }

    /// The spec as JSON text.
    public var jsonText: String {
        var w = JSONWriter()
        w.bytes.reserveCapacity(320)
        // Members are written with their names and commas as literal fragments: `env` is always
        // there, so each member before it ends with a comma and each after it starts with one.
        w.fragment("{")
        if let cache { w.fragment(#""cache":"#); cache.write(to: &w); w.fragment(",") }
        if let condition { w.fragment(#""condition":"#); condition.write(to: &w); w.fragment(",") }
        if let cwd { w.fragment(#""cwd":"#); w.string(cwd); w.fragment(",") }
        w.fragment(#""env":"#); w.object(env)
        if let heartbeatTimeoutMilliseconds {
            w.fragment(#","heartbeatTimeoutMilliseconds":"#); w.integer(heartbeatTimeoutMilliseconds)
        }
        if let http {
            w.fragment(#","http":"#); w.open("{")
            if let body = http.body { w.key("body"); w.string(body) }
            w.key("headers"); w.object(http.headers)
            w.key("method"); w.string(http.method)
            w.key("url"); w.string(http.url)
            w.close("}")
        }
        w.fragment(#","outputRefs":"#)
        if outputRefs.isEmpty {
            w.fragment("{}")
        } else {
            w.open("{")
            for step in outputRefs.keys.sorted() {
                w.dynamicKey(step); w.array(outputRefs[step] ?? [])
            }
            w.close("}")
        }
        w.fragment(#","retry":{"backoff":"#); w.string(retry.backoff.rawValue)
        w.fragment(#","cap":"#); w.duration(retry.cap)
        w.fragment(#","initial":"#); w.duration(retry.initial)
        w.fragment(retry.jitter ? #","jitter":true,"maxRetries":"# : #","jitter":false,"maxRetries":"#)
        w.integer(retry.maxRetries)
        w.fragment(#","retryOn":["#)
        var first = true
        for condition in Self.conditionsByName where retry.retryOn.contains(condition) {
            if !first { w.fragment(",") }
            first = false
            w.string(condition.rawValue)
        }
        w.fragment(#"]},"run":"#); w.array(run)
        w.fragment(#","runID":"#); w.string(runID)
        w.fragment(shell ? #","shell":true,"stepID":"# : #","shell":false,"stepID":"#); w.string(stepID)
        w.fragment(#","taskID":"#); w.string(taskID)
        if let timeoutMilliseconds { w.fragment(#","timeoutMilliseconds":"#); w.integer(timeoutMilliseconds) }
        w.fragment(#","type":"#); w.string(type)
        w.fragment(#","with":"#); w.object(with)
        w.fragment("}")
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
