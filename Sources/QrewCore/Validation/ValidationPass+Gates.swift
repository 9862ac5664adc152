/// Checks of the cluster-wide gates: circuit breakers, rate limits, keyed concurrency.
extension ValidationPass {
    /// A step's `circuitBreaker`, `rateLimit` and `concurrency`: numbers in bounds, durations
    /// positive, keys non-empty and computable at submission.
    mutating func checkGates(of step: Step, path: String, stepID: String?) {
        if let breaker = step.circuitBreaker { checkBreaker(breaker, field: "\(path).circuitBreaker", stepID: stepID) }
        if let limit = step.rateLimit {
            checkRange(limit.limit, NumericBounds.rateLimit, field: "\(path).rateLimit.limit", stepID: stepID, name: "rateLimit.limit",
                       hint: "the most tasks of the key starting within 'per'")
            checkPositive(limit.per, field: "\(path).rateLimit.per", stepID: stepID, name: "per")
            if limit.per > .zero, limit.per < .milliseconds(1) {
                report(.badDuration, field: "\(path).rateLimit.per", stepID: stepID, "'per' must be at least 1ms",
                       hint: "write e.g. 1s or 1m")
            }
        }
        if let keyed = step.concurrency {
            checkRange(keyed.limit, NumericBounds.concurrency, field: "\(path).concurrency.limit", stepID: stepID,
                       name: "concurrency.limit", hint: "the most tasks with the same key running at once")
        }
        for (field, text) in step.gateKeyFields {
            checkGateKey(text, field: "\(path).\(field)", stepID: stepID)
        }
    }

    /// `defaults.circuitBreaker`, whose key may use params only (it applies to every step).
    mutating func checkDefaultBreaker() {
        guard let breaker = workflow.defaults.circuitBreaker else { return }
        checkBreaker(breaker, field: "defaults.circuitBreaker", stepID: nil)
        guard let key = breaker.key else { return }
        checkGateKey(key, field: "defaults.circuitBreaker.key", stepID: nil)
        guard let template = try? Template(parsing: key) else { return }
        for reference in template.references {
            switch reference {
            case .param(let name) where workflow.params[name] == nil:
                report(.badReference, field: "defaults.circuitBreaker.key", "\(reference) refers to undeclared parameter '\(name)'",
                       hint: "declare it under 'params:'")
            case .matrix:
                report(.badReference, field: "defaults.circuitBreaker.key", "\(reference) cannot be used in defaults",
                       hint: "set the breaker with a matrix key on the step itself")
            case .secret:
                report(.badReference, field: "defaults.circuitBreaker.key", "\(reference) is not allowed here",
                       hint: "secrets are allowed only in env, headers and with values, where they are never stored or shown")
            default:
                break
            }
        }
    }

    private mutating func checkBreaker(_ breaker: CircuitBreakerSpec, field: String, stepID: String?) {
        checkRange(breaker.failures, NumericBounds.breakerFailures, field: "\(field).failures", stepID: stepID,
                   name: "circuitBreaker.failures", hint: "failed attempts within 'window' that open the breaker")
        checkPositive(breaker.window, field: "\(field).window", stepID: stepID, name: "window")
        checkPositive(breaker.cooldown, field: "\(field).cooldown", stepID: stepID, name: "cooldown")
    }

    /// A gate key: not empty, and no reference only known while the run executes.
    private mutating func checkGateKey(_ text: String, field: String, stepID: String?) {
        if text.trimmingWhitespace().isEmpty {
            report(.invalidValue, field: field, stepID: stepID, "'key' must not be empty",
                   hint: "omit 'key' to use the step id, or write e.g. key: ${{ params.customer }}")
            return
        }
        guard Template.mayContainReference(text), let template = try? Template(parsing: text) else { return }
        for reference in template.references {
            switch reference {
            case .stepOutput, .runID:
                report(.badReference, field: field, stepID: stepID, "\(reference) is not known when the run is submitted",
                       hint: "a gate key may use ${{ params.NAME }} and ${{ matrix.KEY }} only")
            case .param, .matrix:
                break
            case .secret:
                // Reported with the step's other templated fields (reportMisplacedSecret).
                break
            }
        }
    }
}
