extension WorkflowDecoder {
    static let cacheKeys = ["key", "ttl", "scope", "similar", "threshold"]

    /// `cache: true | false | { key, ttl, scope, similar, threshold }` on a step or in `defaults`.
    /// `false` is kept (disabled) so that a step can turn off a `defaults.cache`.
    mutating func cacheSpec(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> CacheSpec? {
        if case .scalar(let scalar) = node, let enabled = Self.plainBool(scalar.string) {
            return CacheSpec(enabled: enabled)
        }
        guard let fields = fields(of: node, at: path(), allowed: Self.cacheKeys, stepID: stepID, what: "true, false or a mapping") else {
            return nil
        }
        var cache = CacheSpec()
        if let value = fields["key"] { cache.key = string(value, at: "\(path()).key", stepID: stepID) }
        if let value = fields["ttl"] { cache.ttl = duration(value, at: "\(path()).ttl", stepID: stepID) }
        if let value = fields["scope"] { cache.scope = cacheScope(value, at: "\(path()).scope", stepID: stepID) }
        if let value = fields["similar"] { cache.similar = string(value, at: "\(path()).similar", stepID: stepID) }
        if let value = fields["threshold"] {
            cache.threshold = cacheThreshold(value, at: "\(path()).threshold", stepID: stepID)
            if fields["similar"] == nil {
                report(.invalidValue, at: value, field: "\(path()).threshold", stepID: stepID,
                       "'threshold' only applies to similarity matching",
                       hint: "add 'similar: <text>' (e.g. similar: \"${{ params.request }}\") or remove 'threshold'")
            }
        }
        return cache
    }

    private mutating func cacheScope(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> CacheSpec.Scope? {
        guard let text = string(node, at: path(), stepID: stepID) else { return nil }
        if let scope = CacheSpec.Scope(rawValue: text) { return scope }
        let names = CacheSpec.Scope.allCases.map(\.rawValue)
        report(.invalidValue, at: node, field: path(), stepID: stepID, "unknown cache scope '\(text)'",
               hint: KeySuggester.hint(for: text, among: names) ?? "use one of \(names.joined(separator: ", "))")
        return nil
    }

    /// A number in (0, 1]: the least estimated Jaccard similarity that counts as a match.
    private mutating func cacheThreshold(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> Double? {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string.trimmingWhitespace()), value.isFinite else {
            mismatch(node, at: path(), stepID: stepID, expected: "a number between 0 and 1", hint: "e.g. threshold: 0.85")
            return nil
        }
        guard value > 0, value <= 1 else {
            report(.invalidValue, at: node, field: path(), stepID: stepID,
                   "cache threshold must be greater than 0 and at most 1, found \(scalar.string)",
                   hint: "write a similarity such as 0.85 (1 reuses only identical texts)")
            return nil
        }
        return value
    }
}
