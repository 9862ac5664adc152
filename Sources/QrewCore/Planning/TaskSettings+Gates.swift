extension TaskSettings {
    /// Fills in the step's gates (the breaker from `defaults` when the step has none) with their
    /// keys rendered: params and matrix values substituted, the step id for a breaker or rate
    /// limit that names no key.
    mutating func renderGates(of step: Step, defaults: StepDefaults, renderer: TemplateRenderer) throws(TemplateError) {
        if var breaker = step.circuitBreaker ?? defaults.circuitBreaker {
            breaker.key = try breaker.key.map { text throws(TemplateError) in try renderer.renderPartially(text) } ?? step.id
            circuitBreaker = breaker
        }
        if var limit = step.rateLimit {
            limit.key = try limit.key.map { text throws(TemplateError) in try renderer.renderPartially(text) } ?? step.id
            rateLimit = limit
        }
        if var keyed = step.concurrency {
            keyed.key = try renderer.renderPartially(keyed.key)
            concurrency = keyed
        }
    }
}
