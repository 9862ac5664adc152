import QrewCore

extension RunRecordBuilder {
    /// The task-hash fields of an approval step: `await` = `approval`, `approvers` (comma-separated,
    /// for `qctl status`) and, with a `timeout`, `queueTimeoutMs`: the approval ends `timed_out`
    /// through `expire_queued` when nobody decided in time. Empty for every other task.
    static func approvalFields(_ settings: TaskSettings) -> [String: String] {
        guard settings.type == .approval else { return [:] }
        var fields = ["await": "approval", "approvers": settings.approvers.joined(separator: ", ")]
        if let timeout = settings.timeout { fields["queueTimeoutMs"] = String(NumericBounds.clamp(timeout).milliseconds) }
        return fields
    }
}
