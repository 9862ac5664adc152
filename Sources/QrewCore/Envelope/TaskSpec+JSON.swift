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
    /// The spec as JSON text.
    public var jsonText: String {
        var w = JSONWriter()
        w.bytes.reserveCapacity(256)
        w.open("{")
        if let cache { w.key("cache"); cache.write(to: &w) }
        if let condition { w.key("condition"); condition.write(to: &w) }
        if let cwd { w.key("cwd"); w.string(cwd) }
        w.key("env"); w.object(env)
        if let heartbeatTimeoutMilliseconds {
            w.key("heartbeatTimeoutMilliseconds"); w.raw(String(heartbeatTimeoutMilliseconds))
        }
        if let http {
            w.key("http"); w.open("{")
            if let body = http.body { w.key("body"); w.string(body) }
            w.key("headers"); w.object(http.headers)
            w.key("method"); w.string(http.method)
            w.key("url"); w.string(http.url)
            w.close("}")
        }
        w.key("outputRefs"); w.open("{")
        for step in outputRefs.keys.sorted() {
            w.key(step); w.array(outputRefs[step] ?? [])
        }
        w.close("}")
        w.key("retry"); w.open("{")
        w.key("backoff"); w.string(retry.backoff.rawValue)
        w.key("cap"); w.duration(retry.cap)
        w.key("initial"); w.duration(retry.initial)
        w.key("jitter"); w.raw(retry.jitter ? "true" : "false")
        w.key("maxRetries"); w.raw(String(retry.maxRetries))
        w.key("retryOn"); w.array(retry.retryOn.map(\.rawValue).sorted())
        w.close("}")
        w.key("run"); w.array(run)
        w.key("runID"); w.string(runID)
        w.key("shell"); w.raw(shell ? "true" : "false")
        w.key("stepID"); w.string(stepID)
        w.key("taskID"); w.string(taskID)
        if let timeoutMilliseconds { w.key("timeoutMilliseconds"); w.raw(String(timeoutMilliseconds)) }
        w.key("type"); w.string(type)
        w.key("with"); w.object(with)
        w.close("}")
        return String(decoding: w.bytes, as: UTF8.self)
    }
}
