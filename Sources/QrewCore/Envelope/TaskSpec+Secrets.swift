extension TaskSpec {
    /// The names of the secrets this spec refers to, sorted: the worker looks these up before it
    /// renders the spec. Only the fields secrets are allowed in are searched; a reference
    /// anywhere else fails ``resolvingSecrets(outputs:secrets:)`` instead.
    public var secretNames: [String] {
        var names = Set<String>()
        func collect(_ values: [String: String]) {
            for text in values.values where Template.mayContainReference(text) {
                guard let template = try? Template(parsing: text) else { continue }
                for case .secret(let name) in template.references { names.insert(name) }
            }
        }
        collect(env)
        collect(with)
        if let http { collect(http.headers) }
        return names.sorted()
    }

    /// The spec to execute: step outputs and the run id substituted everywhere, secret values in
    /// `env`, `with` and `headers` values only. Rendered from the stored spec in one pass, so
    /// text that a step output or a secret brings in is never read as a template again. A
    /// secret reference in any other field fails with ``TemplateError/secretNotAllowed(_:field:)``.
    public func resolvingSecrets(outputs: [String: String], secrets: [String: String]) throws(TemplateError) -> TaskSpec {
        // Most specs hold no reference at all: no renderers to set up, nothing to copy.
        guard mayContainTemplates else { return self }
        let plain = TemplateRenderer(context: renderContext(outputs: outputs))
        var withSecrets = plain.context
        withSecrets.secrets = secrets
        let secretRenderer = TemplateRenderer(context: withSecrets)
        return try mappingTemplates(
            secretField: { text, _ throws(TemplateError) in try secretRenderer.render(text) },
            otherField: { text, field throws(TemplateError) in try plain.renderRefusingSecrets(text, field: field) })
    }
}
