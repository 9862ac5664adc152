/// The state of one validation run: the workflow under check and the problems found so far.
struct ValidationPass {
    let workflow: Workflow
    let limits: ValidationLimits
    let file: String
    private(set) var problems: [WorkflowProblem] = []

    init(workflow: Workflow, limits: ValidationLimits, file: String) {
        self.workflow = workflow
        self.limits = limits
        self.file = file
    }

    /// Records one problem.
    mutating func report(
        _ code: WorkflowProblem.Code,
        field: String?,
        stepID: String? = nil,
        _ message: String,
        hint: String? = nil
    ) {
        problems.append(WorkflowProblem(
            file: file, stepID: stepID, field: field, code: code, message: message, hint: hint
        ))
    }

    /// Workflow-level fields: name, steps, params, parallel, timeout, defaults.
    mutating func checkWorkflowFields() {
        if workflow.name.trimmingWhitespace().isEmpty {
            report(.missingField, field: "name", "workflow has no 'name'", hint: "add a top-level 'name: my-workflow'")
        }
        if workflow.steps.isEmpty {
            report(.emptyWorkflow, field: "steps", "workflow has no steps", hint: "add at least one entry under 'steps:'")
        }
        if workflow.steps.count > limits.maxSteps {
            report(.invalidValue, field: "steps", "workflow has \(workflow.steps.count) steps, more than the limit of \(limits.maxSteps)")
        }
        for name in workflow.params.keys.sorted() where !Identifier.isValidName(name) {
            report(.invalidValue, field: "params.\(name)", "parameter name '\(name)' is invalid",
                   hint: "use letters, digits, '_' and '-', starting with a letter or '_'")
        }
        // Parameter and matrix values are substituted when the run is planned, and a worker
        // renders the result again (step outputs, run id): a '${{' in a value would be read as
        // a template there, failing the task or expanding what the value only quoted.
        for (name, value) in workflow.params.sorted(by: { $0.key < $1.key }) where Template.mayContainReference(value) {
            report(.invalidValue, field: "params.\(name)", "the value of parameter '\(name)' contains '${{'",
                   hint: "values are substituted as text and may not hold a template")
        }
        if let maximum = workflow.parallel.maxConcurrency, maximum < 1 {
            report(.invalidValue, field: "parallel.maxConcurrency", "'maxConcurrency' must be at least 1, found \(maximum)")
        }
        for (name, size) in workflow.parallel.resources.sorted(by: { $0.key < $1.key }) {
            if !Identifier.isValidName(name) {
                report(.invalidValue, field: "parallel.resources.\(name)", "pool name '\(name)' is invalid",
                       hint: "use letters, digits, '_' and '-', starting with a letter or '_'")
            }
            if size < 1 {
                report(.invalidValue, field: "parallel.resources.\(name)", "pool '\(name)' must have a size of at least 1, found \(size)")
            }
        }
        checkPositive(workflow.timeout, field: "timeout", stepID: nil, name: "timeout")
        checkPositive(workflow.defaults.timeout, field: "defaults.timeout", stepID: nil, name: "timeout")
        if let queue = workflow.defaults.queue, queue.isEmpty {
            report(.invalidValue, field: "defaults.queue", "'queue' must not be empty")
        }
        if let retries = workflow.defaults.retries {
            checkRetries(retries, field: "defaults.retries", stepID: nil)
        }
    }

    /// Reports a duration that is zero or negative where only a positive one makes sense.
    mutating func checkPositive(_ duration: Duration?, field: @autoclosure () -> String, stepID: String?, name: String) {
        guard let duration, duration <= .zero else { return }
        report(.badDuration, field: field(), stepID: stepID, "'\(name)' must be greater than zero",
               hint: "write a positive duration such as 30s, 10m or 1h30m")
    }

    /// Retry settings: non-negative count, non-negative initial, positive cap not below initial.
    mutating func checkRetries(_ retries: RetrySettings, field: String, stepID: String?) {
        if let maxRetries = retries.maxRetries, maxRetries < 0 {
            report(.invalidValue, field: "\(field).max", stepID: stepID, "retry count must not be negative, found \(maxRetries)")
        }
        if let initial = retries.initial, initial < .zero {
            report(.badDuration, field: "\(field).initial", stepID: stepID, "'initial' must not be negative")
        }
        checkPositive(retries.cap, field: "\(field).cap", stepID: stepID, name: "cap")
        if let initial = retries.initial, let cap = retries.cap, cap > .zero, cap < initial {
            report(.invalidValue, field: "\(field).cap", stepID: stepID, "retry 'cap' is smaller than 'initial'",
                   hint: "set cap to at least \(initial)")
        }
    }
}
