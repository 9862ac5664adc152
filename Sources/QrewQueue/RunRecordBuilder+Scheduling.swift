import QrewCore

extension RunRecordBuilder {
    /// The task-hash fields of scheduling settings a task carries only when it uses them:
    /// `queueTimeoutMs` and `queueTimeoutRetry` (the step has a queue timeout; `expire_queued`).
    static func schedulingFields(_ settings: TaskSettings) -> [String: String] {
        guard let queueTimeout = settings.queueTimeout else { return [:] }
        return [
            "queueTimeoutMs": String(NumericBounds.clamp(queueTimeout).milliseconds),
            "queueTimeoutRetry": TaskRecord.queueTimeoutRetry(for: settings.retry),
        ]
    }
}

extension TaskRecord {
    /// The `queueTimeoutRetry` field of a task with this retry policy: "" unless it retries a
    /// timeout (a queue timeout ends the attempt `timed_out`).
    public static func queueTimeoutRetry(for policy: RetryPolicy) -> String {
        guard policy.retryOn.contains(.timeout), policy.maxAttempts > 1 else { return "" }
        let initial = NumericBounds.clamp(policy.initial), cap = NumericBounds.clamp(policy.cap)
        return "\(policy.backoff.rawValue),\(initial.milliseconds),\(cap.milliseconds),\(policy.jitter ? 1 : 0)"
    }
}
