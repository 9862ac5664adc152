/// Substitutes `${{ ... }}` references; pure, so the planner, coordinator and worker share it.
public struct TemplateRenderer: Sendable {
    /// The values available for substitution.
    public var context: TemplateContext
    /// Where parsed templates are kept across renderers (nil: each text is parsed when rendered).
    public var cache: TemplateCache?

    /// Creates a renderer over `context`; with a `cache`, each distinct text is parsed once
    /// for every renderer sharing it.
    public init(context: TemplateContext, cache: TemplateCache? = nil) {
        self.context = context
        self.cache = cache
    }

    /// Renders `text`, requiring every reference to resolve.
    public func render(_ text: String) throws(TemplateError) -> String {
        try substitute(text) { reference throws(TemplateError) in throw .unresolved(reference) }
    }

    /// Renders `text`, requiring every reference to resolve except secrets, which are written
    /// back as references when the context has no value for them (the worker's first pass, whose
    /// result may be compared or stored, e.g. as a cache key).
    public func renderKeepingSecrets(_ text: String) throws(TemplateError) -> String {
        try substitute(text) { reference throws(TemplateError) in
            if case .secret = reference { return reference.description }
            throw .unresolved(reference)
        }
    }

    /// Renders `text` where secrets are not allowed: a secret reference fails with
    /// ``TemplateError/secretNotAllowed(_:field:)`` naming `field`, whatever the context holds.
    public func renderRefusingSecrets(_ text: String, field: String) throws(TemplateError) -> String {
        guard Template.mayContainReference(text) else { return text }
        for case .secret(let name) in try Template(parsing: text).references { throw .secretNotAllowed(name, field: field) }
        return try render(text)
    }

    /// Renders what the context knows and writes the other references back in canonical form, so
    /// a later stage (with step outputs or the run id) can finish the job.
    public func renderPartially(_ text: String) throws(TemplateError) -> String {
        try substitute(text) { reference in reference.description }
    }

    /// Replaces each reference with its value, or with what `unknown` says for one the context
    /// does not have.
    private func substitute(
        _ text: String, unknown: (TemplateReference) throws(TemplateError) -> String
    ) throws(TemplateError) -> String {
        guard Template.mayContainReference(text) else { return text }
        let template = if let cache { try cache.template(text) } else { try Template(parsing: text) }
        var output = ""
        for segment in template.segments {
            switch segment {
            case .literal(let literal):
                output += literal
            case .reference(let reference):
                if let value = context.value(for: reference) {
                    output += value
                } else {
                    output += try unknown(reference)
                }
            }
        }
        return output
    }
}
