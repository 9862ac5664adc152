extension ValidationPass {
    /// A step's or the defaults' `cache`: ttl within bounds, key and similar text not empty.
    /// Scope and threshold are checked while decoding, where their line is known.
    mutating func checkCache(_ cache: CacheSpec, field: String, stepID: String?) {
        if let ttl = cache.ttl {
            if ttl > .zero, ttl < CacheSpec.shortestTTL {
                report(.badDuration, field: "\(field).ttl", stepID: stepID, "cache 'ttl' must be at least 1s",
                       hint: "write a duration such as 10m, 1h or 7d")
            } else {
                checkPositive(ttl, field: "\(field).ttl", stepID: stepID, name: "ttl")
            }
        }
        if let key = cache.key, key.isEmpty {
            report(.invalidValue, field: "\(field).key", stepID: stepID, "cache 'key' must not be empty",
                   hint: "omit 'key' (or write 'cache: true') to derive one")
        }
        if let similar = cache.similar, similar.allSatisfy(\.isWhitespace) {
            report(.invalidValue, field: "\(field).similar", stepID: stepID, "cache 'similar' must not be empty",
                   hint: "give the text near-duplicates are matched on, e.g. similar: \"${{ params.request }}\"")
        }
        if stepID == nil {
            for (name, text) in [("key", cache.key), ("similar", cache.similar)] {
                guard let text, Template.mayContainReference(text), let template = try? Template(parsing: text) else { continue }
                for case .stepOutput(let step) in template.references {
                    report(.badReference, field: "\(field).\(name)", stepID: nil,
                           "'defaults.cache.\(name)' cannot read the output of step '\(step)': it applies to every step",
                           hint: "set 'cache' on the steps that depend on '\(step)' instead")
                }
                for case .secret(let secret) in template.references {
                    report(.badReference, field: "\(field).\(name)", stepID: nil, "${{ secrets.\(secret) }} is not allowed here",
                           hint: "secrets are allowed only in env, headers and with values, where they are never stored or shown")
                }
            }
        }
    }
}
