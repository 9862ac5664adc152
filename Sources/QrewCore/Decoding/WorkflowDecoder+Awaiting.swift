extension Step {
    /// Whether `name` can name an event (`type: wait` with `event:`, `qctl signal`): a letter or
    /// digit, then letters, digits, '_', '-', '.', at most 128 characters.
    public static func isValidEventName(_ name: String) -> Bool { Identifier.isValidHandlerName(name) }
}

extension WorkflowDecoder {
    /// Step keys of `type: approval` (`approvers`) and `type: wait` (`event`, `duration`) alone.
    static let approvalStepKeys = ["approvers", "event", "duration"]
    /// The step type each of `approvalStepKeys` belongs to.
    static let awaitingKeyOwners: [(key: String, owner: Step.StepType)] = [("approvers", .approval), ("event", .wait), ("duration", .wait)]
    /// Keys an approval or wait step cannot use: it never reaches a worker, is never retried,
    /// cached, queued on a worker queue or limited (its `timeout` is how long it may wait).
    static let keysNotForAwaiting = [
        "env", "cwd", "retries", "resource", "queue", "maxConcurrency", "cache", "queueTimeout", "heartbeatTimeout",
    ] + gateStepKeys

    /// `approvers` (a name or a list of names) on an approval step, `event` or `duration` (exactly
    /// one) on a wait step; each on any other step is reported, and so is every key an approval
    /// or wait step cannot use.
    mutating func decodeApproval(_ fields: MappingFields, into step: inout Step, path: @autoclosure () -> String, stepID: String?) {
        let type = step.type
        if type == .approval || type == .wait {
            for key in Self.keysNotForAwaiting.sorted() where fields[key] != nil {
                report(.inapplicableKey, at: fields[key], field: "\(path()).\(key)", stepID: stepID,
                       "'\(key)' does not apply to a step of type '\(type.rawValue)'",
                       hint: "\(type == .approval ? "an approval" : "a wait") step runs on no worker and ends once; remove '\(key)'")
            }
        }
        if let value = fields["queue"], case .scalar(let name) = value, name.string.hasPrefix("@") {
            report(.invalidValue, at: value, field: "\(path()).queue", stepID: stepID,
                   "queue name '\(name.string)' is reserved",
                   hint: "queue names starting with '@' hold tasks no worker runs; pick another name")
        }
        for (key, owner) in Self.awaitingKeyOwners {
            if let value = fields[key], type != owner {
                report(.inapplicableKey, at: value, field: "\(path()).\(key)", stepID: stepID,
                       "'\(key)' does not apply to a step of type '\(type.rawValue)'",
                       hint: "'\(key)' is only for \(owner.rawValue) steps; remove it or set 'type: \(owner.rawValue)'")
            }
        }
        if type == .approval, let value = fields["approvers"] {
            if case .scalar = value {
                if let name = string(value, at: "\(path()).approvers", stepID: stepID) { step.approvers = [name] }
            } else {
                step.approvers = stringList(value, at: "\(path()).approvers", stepID: stepID, what: "a name or a list of names",
                                            hint: "write approvers: [alice, bob] or approvers: alice")
            }
        }
        if type == .wait { decodeWait(fields, into: &step, path: path(), stepID: stepID) }
    }

    /// `event: NAME` or `duration: D` (exactly one; a duration takes no `timeout`).
    private mutating func decodeWait(_ fields: MappingFields, into step: inout Step, path: @autoclosure () -> String, stepID: String?) {
        let event = fields["event"], duration = fields["duration"]
        if let event, let name = string(event, at: "\(path()).event", stepID: stepID) {
            if Step.isValidEventName(name) {
                step.waitEvent = name
            } else {
                report(.invalidValue, at: event, field: "\(path()).event", stepID: stepID, "invalid event name '\(name)'",
                       hint: "start with a letter or digit; then letters, digits, '_', '-', '.' (at most 128)")
            }
        }
        if let duration { step.waitDuration = self.duration(duration, at: "\(path()).duration", stepID: stepID) }
        if event != nil, duration != nil {
            report(.invalidValue, at: duration, field: "\(path()).duration", stepID: stepID,
                   "a wait step has both 'event' and 'duration'",
                   hint: "wait for an event (event: deploy-done) or a time (duration: 1h), not both")
        } else if event == nil, duration == nil {
            report(.missingField, at: fields["type"], field: "\(path()).event", stepID: stepID, "wait step has no 'event' or 'duration'",
                   hint: "add event: NAME (completed by qctl signal RUN NAME) or duration: 10m")
        } else if duration != nil, let timeout = fields["timeout"] {
            report(.inapplicableKey, at: timeout, field: "\(path()).timeout", stepID: stepID,
                   "'timeout' does not apply to a wait step with 'duration'",
                   hint: "a timed wait ends after its 'duration'; remove 'timeout'")
        }
    }
}
