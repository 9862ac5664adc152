extension RunStatusDocument.TaskStatus {
    /// `approval (approvers: alice, bob; times out at <time>)` for an approval step that waits for
    /// `qctl approve`; nil for every other task.
    static func approvalWait(_ fields: [String: String]) -> String? {
        guard fields["state"] == "ready", fields["await"] == "approval" else { return nil }
        var notes: [String] = []
        if let approvers = fields["approvers"], !approvers.isEmpty { notes.append("approvers: \(approvers)") }
        if let queued = Timestamp.milliseconds(fields["queuedAt"]), let limit = Int(fields["queueTimeoutMs"] ?? "") {
            notes.append("times out at \(Timestamp.rfc3339(milliseconds: queued + limit))")
        }
        return "approval" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
    }
}
