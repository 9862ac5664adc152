import QrewCore

extension RunRecordBuilder {
    /// The task-hash fields of a step that waits on no worker (empty for every other task):
    /// an approval: `await` = `approval`, `approvers` (comma-separated, for `qctl status`);
    /// a wait for an event: `await` = `event`, `event`; with a `timeout`, `queueTimeoutMs`
    /// (`expire_queued` ends it `timed_out`); a timed wait: `await` = `sleep` and its duration
    /// as `queueTimeoutMs` (`expire_queued` ends it `succeeded`).
    static func awaitingFields(_ settings: TaskSettings) -> [String: String] {
        var fields: [String: String]
        switch settings.type {
        case .approval:
            fields = ["await": "approval", "approvers": settings.approvers.joined(separator: ", ")]
        case .wait:
            if let duration = settings.waitDuration {
                return ["await": "sleep", "queueTimeoutMs": String(NumericBounds.clamp(duration).milliseconds)]
            }
            fields = ["await": "event", "event": settings.waitEvent ?? ""]
        default:
            return [:]
        }
        if let timeout = settings.timeout { fields["queueTimeoutMs"] = String(NumericBounds.clamp(timeout).milliseconds) }
        return fields
    }
}
