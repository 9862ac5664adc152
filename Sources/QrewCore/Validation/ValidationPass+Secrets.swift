extension Step {
    /// Whether `${{ secrets.NAME }}` may appear in `field` (a path relative to the step, as in
    /// ``templatedFields``): only `env`, `headers` and `with` values of steps a worker runs, the
    /// places whose rendered value goes to the task and is never stored or shown.
    func allowsSecrets(inField field: String) -> Bool {
        switch type {
        case .approval, .wait, .workflow: return false
        case .shell, .http, .echo, .sleep, .fail, .handler: break
        }
        return field.hasPrefix("env.") || field.hasPrefix("headers.") || field.hasPrefix("with.")
    }
}

extension ValidationPass {
    /// Reports a secret reference where its value would be stored or shown (argv, URL, body,
    /// cache and gate keys, `with` of a step no worker runs).
    mutating func reportMisplacedSecret(_ reference: TemplateReference, field: String, step: Step) {
        let stepID: String? = step.id.isEmpty ? nil : step.id
        let hint: String
        switch step.type {
        case .approval, .wait, .workflow:
            hint = "a '\(step.type)' step is not run by a worker, so it cannot use secrets"
        case .shell, .http, .echo, .sleep, .fail, .handler:
            hint = field.contains(".run[")
                ? "pass it in env (env: { TOKEN: \"\(reference)\" }) and use $TOKEN in the command: argv is visible to every process on the worker"
                : "secrets are allowed only in env, headers and with values, where they are never stored or shown"
        }
        report(.badReference, field: field, stepID: stepID, "\(reference) is not allowed here", hint: hint)
    }

    /// The workflow's and the steps' `name`: shown everywhere, never rendered, so a secret
    /// reference there is a mistake.
    mutating func checkSecretsInNames() {
        func secret(in text: String) -> TemplateReference? {
            guard Template.mayContainReference(text), let template = try? Template(parsing: text) else { return nil }
            return template.references.first { if case .secret = $0 { true } else { false } }
        }
        let hint = "names are shown and stored as written; secrets are allowed only in env, headers and with values"
        if let reference = secret(in: workflow.name) {
            report(.badReference, field: "name", "\(reference) is not allowed here", hint: hint)
        }
        let steps = workflow.steps
        for index in steps.indices {  // by index: iterating would copy every (large) step
            guard let name = steps[index].name, let reference = secret(in: name) else { continue }
            let id = steps[index].id
            report(.badReference, field: "steps[\(index)].name", stepID: id.isEmpty ? nil : id,
                   "\(reference) is not allowed here", hint: hint)
        }
    }
}
