extension Step {
    /// Every string of the step that may contain `${{ ... }}`, with its field path relative to the
    /// step as written in the file (`run[1]`, `env.TOKEN`, `url`, `headers.Accept`, `with.message`).
    var templatedFields: [(field: String, text: String)] {
        var fields: [(field: String, text: String)] = []
        for (index, item) in run.enumerated() { fields.append(("run[\(index)]", item)) }
        for name in env.keys.sorted() { fields.append(("env.\(name)", env[name] ?? "")) }
        if let cwd { fields.append(("cwd", cwd)) }
        if let http {
            fields.append(("url", http.url))
            for name in http.headers.keys.sorted() { fields.append(("headers.\(name)", http.headers[name] ?? "")) }
            if let body = http.body { fields.append(("body", body)) }
        }
        for name in arguments.keys.sorted() {
            if case .string(let text) = arguments[name] { fields.append(("with.\(name)", text)) }
        }
        if let key = cache?.key { fields.append(("cache.key", key)) }
        fields += gateKeyFields
        if let similar = cache?.similar { fields.append(("cache.similar", similar)) }
        return fields
    }

    /// Whether any templated field could hold a reference (cheap pre-check for huge workflows).
    var mayContainTemplates: Bool {
        if run.contains(where: Template.mayContainReference) { return true }
        if env.values.contains(where: Template.mayContainReference) { return true }
        if let cwd, Template.mayContainReference(cwd) { return true }
        if let key = cache?.key, Template.mayContainReference(key) { return true }
        if gateKeyFields.contains(where: { Template.mayContainReference($0.text) }) { return true }
        if let similar = cache?.similar, Template.mayContainReference(similar) { return true }
        if http != nil { return true }
        return arguments.values.contains { argument in
            if case .string(let text) = argument { Template.mayContainReference(text) } else { false }
        }
    }
}
