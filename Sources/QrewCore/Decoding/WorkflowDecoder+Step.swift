extension WorkflowDecoder {
    static let stepKeys = [
        "id", "name", "type", "run", "shell", "env", "cwd", "complexity", "kind", "priority", "timeout",
        "retries", "resource", "queue", "maxConcurrency", "continueOnError", "cache", "dependsOn", "matrix",
        "url", "method", "headers", "body", "with", "queueTimeout", "heartbeatTimeout", "if",
    ] + gateStepKeys + approvalStepKeys + childWorkflowStepKeys
    static let stepKeySet = Set(stepKeys)
    // Arrays, not sets: a few string comparisons cost less than hashing each key of every step.
    static let shellKeys = ["run", "shell"]
    static let httpKeys = ["url", "method", "headers", "body"]

    /// Decodes one step; a step that is not even a mapping becomes an id-less placeholder so
    /// indices (and `steps[N]` paths) stay aligned with the file.
    mutating func decodeStep(_ node: YAMLNode, at path: @autoclosure () -> String, number: Int) -> Step {
        var step = Step(id: "")
        let stepID: String? = if case .mapping(let mapping) = node, case .scalar(let id)? = mapping["id"] { id.string } else { nil }
        guard let fields = fields(of: node, at: path(), allowed: Self.stepKeys, allowedSet: Self.stepKeySet, stepID: stepID, what: "a step mapping") else {
            return step
        }
        if let value = fields["id"] { step.id = string(value, at: "\(path()).id", stepID: stepID) ?? "" }
        if let value = fields["name"] { step.name = string(value, at: "\(path()).name", stepID: stepID) }
        if let value = fields["type"], let name = string(value, at: "\(path()).type", stepID: stepID) {
            step.type = Step.StepType(rawValue: name)
        }
        reportInapplicableKeys(fields, type: step.type, path: path(), stepID: stepID)
        decodeExecution(fields, into: &step, path: path(), stepID: stepID)
        if let value = fields["complexity"] { step.complexity = complexity(value, at: "\(path()).complexity", stepID: stepID) }
        if let value = fields["kind"] { step.kind = string(value, at: "\(path()).kind", stepID: stepID) }
        if let value = fields["priority"] { step.priority = int(value, at: "\(path()).priority", stepID: stepID) ?? 0 }
        if let value = fields["timeout"] { step.timeout = duration(value, at: "\(path()).timeout", stepID: stepID) }
        if let value = fields["heartbeatTimeout"] {
            step.heartbeatTimeout = duration(value, at: "\(path()).heartbeatTimeout", stepID: stepID)
        }
        if let value = fields["retries"] { step.retries = retrySettings(value, at: "\(path()).retries", stepID: stepID) }
        if let value = fields["queueTimeout"] { step.queueTimeout = duration(value, at: "\(path()).queueTimeout", stepID: stepID) }
        if let value = fields["resource"] { step.resource = string(value, at: "\(path()).resource", stepID: stepID) }
        if let value = fields["queue"] { step.queue = string(value, at: "\(path()).queue", stepID: stepID) }
        if let value = fields["maxConcurrency"] {
            step.maxConcurrency = int(value, at: "\(path()).maxConcurrency", stepID: stepID)
        }
        if let value = fields["continueOnError"] {
            step.continueOnError = bool(value, at: "\(path()).continueOnError", stepID: stepID) ?? false
        }
        if let value = fields["cache"] { step.cache = cacheSpec(value, at: "\(path()).cache", stepID: stepID) }
        if let value = fields["dependsOn"] {
            step.dependsOn = stringList(value, at: "\(path()).dependsOn", stepID: stepID, what: "a list of step ids",
                                        hint: Self.shape(of: value) == "a string" ? "write dependsOn: [\(Self.scalarText(value))]" : nil)
        }
        if let value = fields["matrix"] {
            (step.matrix, step.dynamicMatrix) = matrix(value, at: "\(path()).matrix", stepID: stepID)
        }
        decodeGates(fields, into: &step, path: path(), stepID: stepID)
        decodeApproval(fields, into: &step, path: path(), stepID: stepID)
        decodeCondition(fields, into: &step, path: path(), stepID: stepID)
        decodeChildWorkflow(fields, into: &step, path: path(), stepID: stepID)
        return step
    }

    private static func scalarText(_ node: YAMLNode) -> String {
        if case .scalar(let scalar) = node { scalar.string } else { "" }
    }

    /// Keys that exist but belong to another step type; reported here where the key's line is known.
    private mutating func reportInapplicableKeys(_ fields: MappingFields, type: Step.StepType, path: @autoclosure () -> String, stepID: String?) {
        let isInapplicable = { (key: String) in
            (Self.shellKeys.contains(key) && type != .shell) || (Self.httpKeys.contains(key) && type != .http)
                || (key == "with" && !type.usesArguments)
        }
        guard fields.pairs.contains(where: { isInapplicable($0.key) }) else { return }
        let inapplicable = fields.keys.filter(isInapplicable)
        for key in inapplicable.sorted() {
            let owner: String
            if Self.shellKeys.contains(key), type != .shell {
                owner = "shell"
            } else if Self.httpKeys.contains(key), type != .http {
                owner = "http"
            } else if key == "with", !type.usesArguments {
                owner = "echo, sleep, fail, workflow and handler"
            } else {
                continue
            }
            report(.inapplicableKey, at: fields[key], field: "\(path()).\(key)", stepID: stepID,
                   "'\(key)' does not apply to a step of type '\(type.rawValue)'",
                   hint: "'\(key)' is only for \(owner) steps; remove it or change 'type'")
        }
    }

    /// `run`/`shell`/`env`/`cwd`, the HTTP request and `with`, according to the step type.
    private mutating func decodeExecution(_ fields: MappingFields, into step: inout Step, path: @autoclosure () -> String, stepID: String?) {
        if step.type == .shell {
            if let value = fields["shell"] { step.shell = bool(value, at: "\(path()).shell", stepID: stepID) ?? false }
            if let value = fields["run"] {
                if case .scalar(let scalar) = value {
                    if step.shell {
                        step.run = [scalar.string]
                    } else {
                        mismatch(value, at: "\(path()).run", stepID: stepID, expected: "a list of arguments",
                                 hint: "write run: [\"prog\", \"arg\"], or set 'shell: true' to run a command line")
                    }
                } else {
                    step.run = stringList(value, at: "\(path()).run", stepID: stepID, what: "a list of arguments")
                }
            }
        }
        if let value = fields["env"] {
            step.env = stringMap(value, at: "\(path()).env", stepID: stepID, what: "a mapping of variable names to values")
        }
        if let value = fields["cwd"] { step.cwd = string(value, at: "\(path()).cwd", stepID: stepID) }
        if step.type == .http {
            var http = HTTPSpec(url: "")
            if let value = fields["url"] { http.url = string(value, at: "\(path()).url", stepID: stepID) ?? "" }
            if let value = fields["method"], let method = string(value, at: "\(path()).method", stepID: stepID) {
                http.method = method.uppercased()
            }
            if let value = fields["headers"] {
                http.headers = stringMap(value, at: "\(path()).headers", stepID: stepID, what: "a mapping of header names to values")
            }
            if let value = fields["body"] { http.body = string(value, at: "\(path()).body", stepID: stepID) }
            step.http = http
        }
        if step.type.usesArguments, let value = fields["with"] {
            for (key, item) in orderedMapping(value, at: "\(path()).with", stepID: stepID, what: "a mapping of arguments") ?? [] {
                if let argument = argument(item, at: "\(path()).with.\(key)", stepID: stepID) { step.arguments[key] = argument }
            }
        }
    }

    private mutating func complexity(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> Step.Complexity? {
        guard let text = string(node, at: path(), stepID: stepID) else { return nil }
        if let value = Step.Complexity(rawValue: text.lowercased()) { return value }
        let names = Step.Complexity.allCases.map(\.rawValue)
        report(.invalidValue, at: node, field: path(), stepID: stepID, "unknown complexity '\(text)'",
               hint: KeySuggester.hint(for: text, among: names) ?? "use one of \(names.joined(separator: ", "))")
        return nil
    }

    /// `matrix: { key: [values...] }` in declaration order, and the dynamic axis
    /// (`key: "${{ fromJSON(steps.ID.output) }}"`, the last one written) if any.
    private mutating func matrix(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> (Matrix, DynamicMatrix?) {
        var matrix = Matrix()
        var dynamic: DynamicMatrix?
        for (key, value) in orderedMapping(node, at: path(), stepID: stepID, what: "a mapping of keys to value lists") ?? [] {
            if let axis = dynamicMatrixAxis(value, key: key, at: "\(path()).\(key)", stepID: stepID) {
                if let axis { dynamic = axis }
                continue
            }
            let values = stringList(value, at: "\(path()).\(key)", stepID: stepID, what: "a list of values")
            matrix.axes.append(Matrix.Axis(key: key, values: values))
        }
        return (matrix, dynamic)
    }
}
