import Yams

extension WorkflowDecoder {
    /// Step keys of `type: approval` alone.
    static let approvalStepKeys = ["approvers"]
    /// Keys an approval step cannot use: it never reaches a worker, is never retried, cached,
    /// queued on a worker queue or limited (its `timeout` is the time left to decide).
    static let keysNotForApproval = [
        "env", "cwd", "retries", "resource", "queue", "maxConcurrency", "cache", "queueTimeout", "heartbeatTimeout",
    ] + gateStepKeys

    /// `approvers` (a name or a list of names) on an approval step; on any other step it is reported,
    /// and so is every key an approval step cannot use.
    mutating func decodeApproval(_ fields: [String: Node], into step: inout Step, path: String, stepID: String?) {
        if step.type == .approval {
            for key in Self.keysNotForApproval.sorted() where fields[key] != nil {
                report(.inapplicableKey, at: fields[key], field: "\(path).\(key)", stepID: stepID,
                       "'\(key)' does not apply to a step of type 'approval'",
                       hint: "an approval runs on no worker and is decided once; remove '\(key)' (its 'timeout' is how long it waits)")
            }
        }
        if let value = fields["queue"], case .scalar(let name) = value, name.string.hasPrefix("@") {
            report(.invalidValue, at: value, field: "\(path).queue", stepID: stepID,
                   "queue name '\(name.string)' is reserved",
                   hint: "queue names starting with '@' hold tasks no worker runs; pick another name")
        }
        guard let value = fields["approvers"] else { return }
        guard step.type == .approval else {
            report(.inapplicableKey, at: value, field: "\(path).approvers", stepID: stepID,
                   "'approvers' does not apply to a step of type '\(step.type.rawValue)'",
                   hint: "'approvers' is only for approval steps; remove it or set 'type: approval'")
            return
        }
        if case .scalar = value {
            if let name = string(value, at: "\(path).approvers", stepID: stepID) { step.approvers = [name] }
        } else {
            step.approvers = stringList(value, at: "\(path).approvers", stepID: stepID, what: "a name or a list of names",
                                         hint: "write approvers: [alice, bob] or approvers: alice")
        }
    }
}
