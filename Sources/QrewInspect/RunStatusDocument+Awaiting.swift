extension RunStatusDocument.TaskStatus {
    /// What a task on the awaiting queue waits for: `approval (approvers: alice, bob; times out
    /// at <time>)`, `event deploy-done (times out at <time>)` or `sleep until <time>`; nil for
    /// every other task.
    public static func awaitingWait(_ fields: [String: String]) -> String? {
        guard fields["state"] == "ready", let kind = fields["await"] else { return nil }
        let deadline = Timestamp.milliseconds(fields["queuedAt"]).flatMap { queued in
            Int(fields["queueTimeoutMs"] ?? "").map { Timestamp.rfc3339(milliseconds: queued + $0) }
        }
        var notes: [String] = []
        switch kind {
        case "sleep":
            return "sleep until \(deadline ?? "?")"
        case "event":
            if let deadline { notes.append("times out at \(deadline)") }
            return "event \(fields["event"] ?? "?")" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        default:
            if let approvers = fields["approvers"], !approvers.isEmpty { notes.append("approvers: \(approvers)") }
            if let deadline { notes.append("times out at \(deadline)") }
            return "approval" + (notes.isEmpty ? "" : " (\(notes.joined(separator: "; ")))")
        }
    }
}
