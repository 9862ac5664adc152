extension Step {
    /// The step's gate keys (`circuitBreaker.key`, `rateLimit.key`, `concurrency.key`) with their
    /// field paths: templates rendered at submission, so only `params` and `matrix` may appear.
    var gateKeyFields: [(field: String, text: String)] {
        var fields: [(field: String, text: String)] = []
        if let key = circuitBreaker?.key { fields.append(("circuitBreaker.key", key)) }
        if let key = rateLimit?.key { fields.append(("rateLimit.key", key)) }
        if let key = concurrency?.key { fields.append(("concurrency.key", key)) }
        return fields
    }
}
