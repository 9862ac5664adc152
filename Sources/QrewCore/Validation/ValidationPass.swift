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
        if let maximum = workflow.parallel.maxConcurrency {
            checkRange(maximum, NumericBounds.concurrency, field: "parallel.maxConcurrency", stepID: nil, name: "maxConcurrency",
                       hint: "the most tasks of this run running at once")
        }
        for (name, size) in workflow.parallel.resources.sorted(by: { $0.key < $1.key }) {
            if !Identifier.isValidName(name) {
                report(.invalidValue, field: "parallel.resources.\(name)", "pool name '\(name)' is invalid",
                       hint: "use letters, digits, '_' and '-', starting with a letter or '_'")
            }
            checkRange(size, NumericBounds.concurrency, field: "parallel.resources.\(name)", stepID: nil, name: "pool '\(name)' size",
                       hint: "the most tasks holding this pool at once")
        }
        checkPositive(workflow.timeout, field: "timeout", stepID: nil, name: "timeout")
        checkPositive(workflow.defaults.timeout, field: "defaults.timeout", stepID: nil, name: "timeout")
        checkPositive(workflow.defaults.queueTimeout, field: "defaults.queueTimeout", stepID: nil, name: "queueTimeout")
        checkPositive(workflow.defaults.heartbeatTimeout, field: "defaults.heartbeatTimeout", stepID: nil, name: "heartbeatTimeout")
        if let queue = workflow.defaults.queue, queue.isEmpty {
            report(.invalidValue, field: "defaults.queue", "'queue' must not be empty")
        }
        if let queue = workflow.defaults.queue, DynamicMatrix.isReservedQueue(queue) {
            report(.invalidValue, field: "defaults.queue", "queue '\(queue)' is reserved (names starting with __)",
                   hint: "pick a queue name that does not start with __")
        }
        if let retries = workflow.defaults.retries {
            checkRetries(retries, field: "defaults.retries", stepID: nil)
        }
        checkDefaultBreaker()
        if let cache = workflow.defaults.cache {
            checkCache(cache, field: "defaults.cache", stepID: nil)
        }
    }

    /// Reports a duration that is zero or negative where only a positive one makes sense, or
    /// longer than `NumericBounds.longestDuration`.
    mutating func checkPositive(_ duration: Duration?, field: @autoclosure () -> String, stepID: String?, name: String) {
        guard let duration else { return }
        if duration <= .zero {
            report(.badDuration, field: field(), stepID: stepID, "'\(name)' must be greater than zero",
                   hint: "write a positive duration such as 30s, 10m or 1h30m")
        } else {
            checkNotTooLong(duration, field: field(), stepID: stepID, name: name)
        }
    }

    /// Reports a duration longer than `NumericBounds.longestDuration` (a year).
    mutating func checkNotTooLong(_ duration: Duration, field: @autoclosure () -> String, stepID: String?, name: String) {
        guard duration > NumericBounds.longestDuration else { return }
        report(.badDuration, field: field(), stepID: stepID, "'\(name)' is longer than the limit of 365 days",
               hint: "write at most 365d")
    }

    /// Reports an integer outside `range`, naming the range and what the number means.
    mutating func checkRange(
        _ value: Int, _ range: ClosedRange<Int>, field: @autoclosure () -> String, stepID: String?, name: String, hint: String
    ) {
        guard !range.contains(value) else { return }
        report(.invalidValue, field: field(), stepID: stepID,
               "\(name) must be \(NumericBounds.describe(range)), found \(NumericBounds.grouped(value))",
               hint: "\(hint); write a number \(NumericBounds.describe(range))")
    }

    /// Retry settings: non-negative count, non-negative initial, positive cap not below initial.
    mutating func checkRetries(_ retries: RetrySettings, field: String, stepID: String?) {
        if let maxRetries = retries.maxRetries {
            checkRange(maxRetries, NumericBounds.retries, field: "\(field).max", stepID: stepID, name: "retry count",
                       hint: "retries after the first attempt")
        }
        if let initial = retries.initial {
            if initial < .zero {
                report(.badDuration, field: "\(field).initial", stepID: stepID, "'initial' must not be negative")
            } else {
                checkNotTooLong(initial, field: "\(field).initial", stepID: stepID, name: "initial")
            }
        }
        checkPositive(retries.cap, field: "\(field).cap", stepID: stepID, name: "cap")
        if let initial = retries.initial, let cap = retries.cap, cap > .zero, cap < initial {
            report(.invalidValue, field: "\(field).cap", stepID: stepID, "retry 'cap' is smaller than 'initial'",
                   hint: "set cap to at least \(initial)")
        }
    }
}
