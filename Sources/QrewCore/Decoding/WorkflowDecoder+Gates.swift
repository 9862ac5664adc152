/// Decoding of the cluster-wide gates of a step: `circuitBreaker`, `rateLimit`, `concurrency`.
extension WorkflowDecoder {
    static let gateStepKeys = ["circuitBreaker", "rateLimit", "concurrency"]

    /// Reads the gate keys of one step's mapping into `step`.
    mutating func decodeGates(_ fields: MappingFields, into step: inout Step, path: @autoclosure () -> String, stepID: String?) {
        if let value = fields["circuitBreaker"] {
            step.circuitBreaker = circuitBreaker(value, at: "\(path()).circuitBreaker", stepID: stepID)
        }
        if let value = fields["rateLimit"] { step.rateLimit = rateLimit(value, at: "\(path()).rateLimit", stepID: stepID) }
        if let value = fields["concurrency"] {
            step.concurrency = keyedConcurrency(value, at: "\(path()).concurrency", stepID: stepID)
        }
    }

    /// `circuitBreaker: { failures, window, cooldown, key? }` (step or `defaults`).
    mutating func circuitBreaker(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> CircuitBreakerSpec? {
        guard let fields = fields(of: node, at: path(), allowed: ["failures", "window", "cooldown", "key"], stepID: stepID,
                                  what: "a mapping { failures, window, cooldown }") else { return nil }
        let failures = required(fields, "failures", of: node, at: path(), stepID: stepID, example: "failures: 5") { decoder, node, path in
            decoder.int(node, at: path, stepID: stepID)
        }
        let window = required(fields, "window", of: node, at: path(), stepID: stepID, example: "window: 1m") { decoder, node, path in
            decoder.duration(node, at: path, stepID: stepID)
        }
        let cooldown = required(fields, "cooldown", of: node, at: path(), stepID: stepID, example: "cooldown: 30s") { decoder, node, path in
            decoder.duration(node, at: path, stepID: stepID)
        }
        let key = fields["key"].flatMap { string($0, at: "\(path()).key", stepID: stepID) }
        guard let failures, let window, let cooldown else { return nil }
        return CircuitBreakerSpec(failures: failures, window: window, cooldown: cooldown, key: key)
    }

    /// `rateLimit: { limit, per, key? }`.
    private mutating func rateLimit(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> RateLimitSpec? {
        guard let fields = fields(of: node, at: path(), allowed: ["key", "limit", "per"], stepID: stepID,
                                  what: "a mapping { key, limit, per }") else { return nil }
        let limit = required(fields, "limit", of: node, at: path(), stepID: stepID, example: "limit: 100") { decoder, node, path in
            decoder.int(node, at: path, stepID: stepID)
        }
        let per = required(fields, "per", of: node, at: path(), stepID: stepID, example: "per: 1m") { decoder, node, path in
            decoder.duration(node, at: path, stepID: stepID)
        }
        let key = fields["key"].flatMap { string($0, at: "\(path()).key", stepID: stepID) }
        guard let limit, let per else { return nil }
        return RateLimitSpec(key: key, limit: limit, per: per)
    }

    /// `concurrency: { key, limit }`.
    private mutating func keyedConcurrency(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> KeyedConcurrencySpec? {
        guard let fields = fields(of: node, at: path(), allowed: ["key", "limit"], stepID: stepID,
                                  what: "a mapping { key, limit }") else { return nil }
        let key = required(fields, "key", of: node, at: path(), stepID: stepID, example: "key: ${{ params.customer }}") { decoder, node, path in
            decoder.string(node, at: path, stepID: stepID)
        }
        let limit = required(fields, "limit", of: node, at: path(), stepID: stepID, example: "limit: 2") { decoder, node, path in
            decoder.int(node, at: path, stepID: stepID)
        }
        guard let key, let limit else { return nil }
        return KeyedConcurrencySpec(key: key, limit: limit)
    }

    /// The decoded value of a required field, or a `missingField` problem (at the mapping's line).
    private mutating func required<Value>(
        _ fields: MappingFields, _ name: String, of node: YAMLNode, at path: @autoclosure () -> String, stepID: String?, example: String,
        _ decode: (inout Self, YAMLNode, String) -> Value?
    ) -> Value? {
        guard let value = fields[name] else {
            report(.missingField, at: node, field: "\(path()).\(name)", stepID: stepID,
                   "'\(Self.fieldName(path()))' has no '\(name)'", hint: "add '\(example)'")
            return nil
        }
        return decode(&self, value, "\(path()).\(name)")
    }
}
