extension ValidationPass {
    /// Ids: present, well-formed, unique. Returns the id → index table (first declaration wins).
    mutating func checkStepIDs() -> [String: Int] {
        var indexByID: [String: Int] = [:]
        indexByID.reserveCapacity(workflow.steps.count)
        let steps = workflow.steps
        for index in steps.indices {  // by index: iterating would copy every (large) step
            let id = steps[index].id
            var field: String { "steps[\(index)].id" }
            if id.isEmpty {
                report(.missingField, field: field, "step #\(index + 1) has no 'id'", hint: "add 'id: some-name' to the step")
                continue
            }
            if !Identifier.isValidStepID(id) {
                report(.invalidID, field: field, stepID: id, "invalid step id '\(id)'",
                       hint: "ids match ^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
            }
            if let first = indexByID[id] {
                report(.duplicateID, field: field, stepID: id, "duplicate step id '\(id)'",
                       hint: "already used by steps[\(first)]; give each step a unique id")
            } else {
                indexByID[id] = index
            }
        }
        return indexByID
    }

    /// Everything about one step (`workflow.steps[index]`, passed borrowed rather than copied out
    /// of the array) that does not involve other steps.
    mutating func checkStepFields(_ step: Step, at index: Int) {
        var path: String { "steps[\(index)]" }
        let stepID: String? = step.id.isEmpty ? nil : step.id
        checkTypeSpecificFields(step, path: path, stepID: stepID)
        for name in step.env.keys.sorted() where !Identifier.isValidEnvironmentName(name) {
            report(.invalidValue, field: "\(path).env.\(name)", stepID: stepID, "invalid environment variable name '\(name)'",
                   hint: "use letters, digits and '_', not starting with a digit")
        }
        checkPositive(step.timeout, field: "\(path).timeout", stepID: stepID, name: "timeout")
        checkPositive(step.queueTimeout, field: "\(path).queueTimeout", stepID: stepID, name: "queueTimeout")
        checkPositive(step.heartbeatTimeout, field: "\(path).heartbeatTimeout", stepID: stepID, name: "heartbeatTimeout")
        checkPositive(step.waitDuration, field: "\(path).duration", stepID: stepID, name: "duration")
        if let retries = step.retries {
            checkRetries(retries, field: "\(path).retries", stepID: stepID)
        }
        if let cache = step.cache { checkCache(cache, field: "\(path).cache", stepID: stepID) }
        if let resource = step.resource, workflow.parallel.resources[resource] == nil {
            let declared = workflow.parallel.resources.keys.sorted()
            let hint = KeySuggester.hint(for: resource, among: declared)
                ?? (declared.isEmpty ? "declare it under 'parallel.resources'" : "declared pools: \(declared.joined(separator: ", "))")
            report(.undeclaredPool, field: "\(path).resource", stepID: stepID, "resource pool '\(resource)' is not declared", hint: hint)
        }
        if let queue = step.queue, queue.isEmpty {
            report(.invalidValue, field: "\(path).queue", stepID: stepID, "'queue' must not be empty")
        }
        if let queue = step.queue, DynamicMatrix.isReservedQueue(queue) {
            report(.invalidValue, field: "\(path).queue", stepID: stepID, "queue '\(queue)' is reserved (names starting with __)",
                   hint: "pick a queue name that does not start with __")
        }
        if let maximum = step.maxConcurrency {
            checkRange(maximum, NumericBounds.concurrency, field: "\(path).maxConcurrency", stepID: stepID, name: "maxConcurrency",
                       hint: "the most tasks of this step running at once")
        }
        checkRange(step.priority, NumericBounds.priority, field: "\(path).priority", stepID: stepID, name: "priority",
                   hint: "an offset added to the step's score (higher runs first)")
        checkMatrix(step.matrix, path: "\(path).matrix", stepID: stepID)
        checkGates(of: step, path: path, stepID: stepID)
    }

    /// Required and inapplicable fields per step type.
    private mutating func checkTypeSpecificFields(_ step: Step, path makePath: @autoclosure () -> String, stepID: String?) {
        var path: String { makePath() }
        switch step.type {
        case .shell:
            if step.run.isEmpty {
                report(.missingField, field: "\(path).run", stepID: stepID, "shell step has no 'run'",
                       hint: "add run: [\"command\", \"arg\"] (or a string with shell: true)")
            }
        case .http:
            if let http = step.http {
                if http.url.isEmpty {
                    report(.missingField, field: "\(path).url", stepID: stepID, "http step has no 'url'", hint: "add url: https://...")
                }
                if !HTTPSpec.allowedMethods.contains(http.method) {
                    report(.invalidValue, field: "\(path).method", stepID: stepID, "unsupported HTTP method '\(http.method)'",
                           hint: "use one of \(HTTPSpec.allowedMethods.sorted().joined(separator: ", "))")
                }
            } else {
                report(.missingField, field: "\(path).url", stepID: stepID, "http step has no 'url'", hint: "add url: https://...")
            }
        case .sleep:
            checkSleepDuration(step, path: path, stepID: stepID)
        case .echo, .fail, .approval, .wait, .workflow:
            break
        case .handler(let name):
            if !Identifier.isValidHandlerName(name) {
                report(.invalidValue, field: "\(path).type", stepID: stepID, "invalid step type '\(name)'",
                       hint: KeySuggester.hint(for: name, among: ["shell", "http", "echo", "sleep", "fail"])
                           ?? "use shell, http, echo, sleep, fail or a registered handler name")
            }
        }
        let typeName = step.type.rawValue
        if step.type != .shell {
            if !step.run.isEmpty { inapplicable("run", path: path, stepID: stepID, typeName: typeName, owner: "shell") }
            if step.shell { inapplicable("shell", path: path, stepID: stepID, typeName: typeName, owner: "shell") }
        }
        if step.type != .http, step.http != nil {
            inapplicable("url", path: path, stepID: stepID, typeName: typeName, owner: "http")
        }
        if !step.type.usesArguments, !step.arguments.isEmpty {
            inapplicable("with", path: path, stepID: stepID, typeName: typeName, owner: "echo, sleep, fail and handler")
        }
    }

    private mutating func inapplicable(_ key: String, path: String, stepID: String?, typeName: String, owner: String) {
        report(.inapplicableKey, field: "\(path).\(key)", stepID: stepID, "'\(key)' does not apply to a step of type '\(typeName)'",
               hint: "'\(key)' is only for \(owner) steps; remove it or change 'type'")
    }

    private mutating func checkSleepDuration(_ step: Step, path: String, stepID: String?) {
        let field = "\(path).with.duration"
        switch step.arguments["duration"] {
        case nil:
            report(.missingField, field: field, stepID: stepID, "sleep step has no 'with.duration'", hint: "add with: { duration: 5s }")
        case .integer(let seconds) where seconds < 0:
            report(.badDuration, field: field, stepID: stepID, "sleep duration must not be negative", hint: "write e.g. 500ms, 30s or 1m")
        case .integer(let seconds) where seconds > NumericBounds.longestDuration.components.seconds:
            report(.badDuration, field: field, stepID: stepID, "'duration' is longer than the limit of 365 days", hint: "write at most 365d")
        case .string(let text) where !Template.mayContainReference(text):
            do {
                checkNotTooLong(try DurationParser.parse(text), field: field, stepID: stepID, name: "duration")
            } catch {
                report(.badDuration, field: field, stepID: stepID, error.description, hint: "write e.g. 500ms, 30s or 1m")
            }
        case .number, .bool:
            report(.badDuration, field: field, stepID: stepID, "sleep duration must be a duration such as 5s", hint: "write e.g. 500ms, 30s or 1m")
        default:
            break
        }
    }

    /// Axis keys, values and the expansion limit.
    private mutating func checkMatrix(_ matrix: Matrix, path makePath: @autoclosure () -> String, stepID: String?) {
        var path: String { makePath() }
        guard !matrix.isEmpty else { return }
        var keys: Set<String> = []
        for axis in matrix.axes {
            let field = "\(path).\(axis.key)"
            if !Identifier.isValidName(axis.key) {
                report(.invalidMatrix, field: field, stepID: stepID, "invalid matrix key '\(axis.key)'",
                       hint: "use letters, digits, '_' and '-', starting with a letter or '_'")
            }
            if !keys.insert(axis.key).inserted {
                report(.invalidMatrix, field: field, stepID: stepID, "matrix key '\(axis.key)' appears twice")
            }
            if axis.values.isEmpty {
                report(.invalidMatrix, field: field, stepID: stepID, "matrix axis '\(axis.key)' has no values",
                       hint: "list at least one value, or remove the axis")
            }
            var seen: Set<String> = []
            for value in axis.values {
                if !Identifier.isValidMatrixValue(value) {
                    report(.invalidMatrix, field: field, stepID: stepID, "matrix value '\(value)' cannot appear in a task id",
                           hint: "values must be non-empty and contain no '[', ']', ',', '=' or control characters")
                } else if Template.mayContainReference(value) {
                    // Substituted when planned, rendered again by the worker (see checkWorkflowFields).
                    report(.invalidMatrix, field: field, stepID: stepID, "matrix value '\(value)' contains '${{'",
                           hint: "values are substituted as text and may not hold a template")
                } else if !seen.insert(value).inserted {
                    report(.invalidMatrix, field: field, stepID: stepID, "matrix value '\(value)' appears twice in '\(axis.key)'")
                }
            }
        }
        if matrix.combinationCount(upTo: limits.maxMatrixTasksPerStep) == nil {
            let sizes = matrix.axes.map { String($0.values.count) }.joined(separator: " × ")
            report(.matrixTooLarge, field: path, stepID: stepID,
                   "matrix expands to \(sizes) tasks, more than the limit of \(limits.maxMatrixTasksPerStep)",
                   hint: "split the step or raise ValidationLimits.maxMatrixTasksPerStep")
        }
    }
}
