extension ValidationPass {
    /// Checks a step's dynamic matrix (`DynamicMatrix`) and returns the index of its source step,
    /// which the step then depends on; nil when it has none or it is invalid.
    mutating func checkDynamicMatrix(of step: Step, at index: Int, indexByID: [String: Int]) -> Int? {
        guard let dynamic = step.dynamicMatrix else { return nil }
        let stepID: String? = step.id.isEmpty ? nil : step.id
        let field = "steps[\(index)].matrix.\(dynamic.key)"
        if !step.matrix.isEmpty {
            report(.invalidMatrix, field: field, stepID: stepID,
                   "a dynamic matrix cannot be combined with other matrix keys (\(step.matrix.axes.map(\.key).joined(separator: ", ")))",
                   hint: "keep only '\(dynamic.key)', or make the source step print the combinations as one JSON array")
        }
        // Gate keys are stored with the placeholder, before the element is known.
        let gateKeys = [
            ("circuitBreaker", step.circuitBreaker?.key), ("rateLimit", step.rateLimit?.key), ("concurrency", step.concurrency?.key),
        ]
        for (gate, key) in gateKeys {
            guard let key, let template = try? Template(parsing: key), template.references.contains(.matrix(dynamic.key)) else { continue }
            report(.badReference, field: "steps[\(index)].\(gate).key", stepID: stepID,
                   "the \(gate) key reads the dynamic matrix value ${{ matrix.\(dynamic.key) }}, which is not known when the run is stored",
                   hint: "key the \(gate) by something the run knows at submission (params, the step), or use a static matrix")
        }
        guard dynamic.sourceStep != step.id else {
            report(.badReference, field: field, stepID: stepID, "the dynamic matrix reads the step's own output",
                   hint: "fan out over the output of a step this one depends on")
            return nil
        }
        guard let source = indexByID[dynamic.sourceStep] else {
            report(.badReference, field: field, stepID: stepID,
                   "the dynamic matrix reads unknown step '\(dynamic.sourceStep)'",
                   hint: KeySuggester.hint(for: dynamic.sourceStep, among: workflow.steps.count <= 10_000 ? workflow.steps.map(\.id) : [])
                       ?? "declare a step with id '\(dynamic.sourceStep)' that prints a JSON array")
            return nil
        }
        if !workflow.steps[source].matrix.isEmpty {
            report(.badReference, field: field, stepID: stepID,
                   "the dynamic matrix reads '\(dynamic.sourceStep)', a matrix step with one output per task",
                   hint: "fan out over a step without a static matrix (its output is one JSON array)")
        }
        return source
    }
}
