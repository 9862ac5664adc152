extension WorkflowDecoder {
    static let retryKeys = ["max", "backoff", "initial", "cap", "jitter", "on"]

    /// `retries: N` (retries after the first attempt) or the object form.
    mutating func retrySettings(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> RetrySettings? {
        if case .scalar = node {
            guard let count = int(node, at: path(), stepID: stepID) else { return nil }
            return RetrySettings(maxRetries: count)
        }
        guard let fields = fields(of: node, at: path(), allowed: Self.retryKeys, stepID: stepID, what: "an integer or a mapping") else {
            return nil
        }
        var settings = RetrySettings()
        if let value = fields["max"] { settings.maxRetries = int(value, at: "\(path()).max", stepID: stepID) }
        if let value = fields["backoff"], let text = string(value, at: "\(path()).backoff", stepID: stepID) {
            settings.backoff = choice(text, node: value, at: "\(path()).backoff", stepID: stepID, as: RetryPolicy.Backoff.self)
        }
        if let value = fields["initial"] { settings.initial = duration(value, at: "\(path()).initial", stepID: stepID) }
        if let value = fields["cap"] { settings.cap = duration(value, at: "\(path()).cap", stepID: stepID) }
        if let value = fields["jitter"] { settings.jitter = bool(value, at: "\(path()).jitter", stepID: stepID) }
        if let value = fields["on"] {
            let names = stringList(value, at: "\(path()).on", stepID: stepID, what: "a list of outcomes")
            var conditions: Set<RetryPolicy.Condition> = []
            for (index, name) in names.enumerated() {
                let itemNode: YAMLNode? = if case .sequence(let items) = value, index < items.count { items[index] } else { value }
                if let condition = choice(name, node: itemNode, at: "\(path()).on[\(index)]", stepID: stepID, as: RetryPolicy.Condition.self) {
                    conditions.insert(condition)
                }
            }
            settings.retryOn = conditions
        }
        return settings
    }

    /// A string that must be one of an enum's raw values.
    private mutating func choice<Choice: RawRepresentable<String> & CaseIterable>(
        _ text: String, node: YAMLNode?, at path: @autoclosure () -> String, stepID: String?, as type: Choice.Type
    ) -> Choice? {
        if let value = Choice(rawValue: text) { return value }
        let names = Choice.allCases.map(\.rawValue)
        report(.invalidValue, at: node, field: path(), stepID: stepID, "'\(Self.fieldName(path()))' cannot be '\(text)'",
               hint: KeySuggester.hint(for: text, among: names) ?? "use one of \(names.joined(separator: ", "))")
        return nil
    }
}
