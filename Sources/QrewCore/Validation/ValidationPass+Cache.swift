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
                guard let text, Template.mayContainReference(text) else { continue }
                checkDefaultsCacheTemplate(text, field: "\(field).\(name)", name: name)
            }
        }
    }

    /// A template of `defaults.cache` (`key` or `similar`), which every step without a `cache`
    /// of its own renders: it must parse, and each reference must have a value in every such
    /// step (no step output, no secret, a declared parameter, a matrix key those steps have).
    private mutating func checkDefaultsCacheTemplate(_ text: String, field: String, name: String) {
        guard let template = parsedTemplate(
            text, field: field, stepID: nil, hint: "write ${{ params.NAME }}, ${{ matrix.KEY }} or ${{ run.id }}")
        else { return }
        for reference in template.references {
            switch reference {
            case .stepOutput(let step):
                report(.badReference, field: field, stepID: nil,
                       "'defaults.cache.\(name)' cannot read the output of step '\(step)': it applies to every step",
                       hint: "set 'cache' on the steps that depend on '\(step)' instead")
            case .secret(let secret):
                report(.badReference, field: field, stepID: nil, "${{ secrets.\(secret) }} is not allowed here",
                       hint: "secrets are allowed only in env, headers and with values, where they are never stored or shown")
            case .param(let parameter) where workflow.params[parameter] == nil:
                report(.badReference, field: field, stepID: nil, "\(reference) refers to undeclared parameter '\(parameter)'",
                       hint: KeySuggester.hint(for: parameter, among: workflow.params.keys.sorted()) ?? "declare it under 'params:'")
            case .matrix(let key):
                let lacking = workflow.steps.first { step in
                    step.cache == nil && !step.matrix.hasKey(key) && step.dynamicMatrix?.key != key
                }
                if let lacking {
                    report(.badReference, field: field, stepID: nil,
                           "\(reference) has no value in step '\(lacking.id)', which uses 'defaults.cache' and has no matrix key '\(key)'",
                           hint: "give step '\(lacking.id)' a 'cache' of its own, or read the matrix key in the steps' own 'cache'")
                }
            case .param, .runID:
                break
            }
        }
    }
}
