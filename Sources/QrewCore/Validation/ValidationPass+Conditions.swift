extension ValidationPass {
    /// Checks what a step's `if:` names and returns the steps it reads, which become implicit
    /// dependencies exactly as `${{ steps.X.output }}` references do (docs/workflow-reference.md,
    /// *Conditions*): a condition is only evaluated once those steps have finished.
    mutating func conditionTargets(of step: Step, index: Int, indexByID: [String: Int]) -> [Int] {
        guard let condition = step.condition else { return [] }
        let stepID: String? = step.id.isEmpty ? nil : step.id
        let field = "steps[\(index)].if"
        var targets: [Int] = []
        for id in condition.expression.referencedSteps {
            if id == step.id {
                report(.badCondition, field: field, stepID: stepID, "if: steps.\(id) refers to the step itself",
                       hint: "a condition can only read the steps it depends on")
            } else if let target = indexByID[id] {
                targets.append(target)
            } else {
                report(.badCondition, field: field, stepID: stepID, "if: steps.\(id) refers to unknown step '\(id)'",
                       hint: KeySuggester.hint(for: id, among: Array(indexByID.keys).sorted()) ?? "declare a step with id '\(id)'")
            }
        }
        for name in condition.expression.referencedParams where workflow.params[name] == nil {
            report(.badCondition, field: field, stepID: stepID, "if: params.\(name) refers to undeclared parameter '\(name)'",
                   hint: KeySuggester.hint(for: name, among: workflow.params.keys.sorted()) ?? "declare it under 'params:'")
        }
        for key in condition.expression.referencedMatrixKeys where !step.matrix.hasKey(key) {
            report(.badCondition, field: field, stepID: stepID, "if: matrix.\(key) but the step has no matrix key '\(key)'",
                   hint: "add matrix: { \(key): [...] } to the step")
        }
        return targets
    }
}
