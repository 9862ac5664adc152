extension Workflow {
    /// The workflow with submit-time overrides (`--set version=2`) applied to its parameters.
    ///
    /// Only declared parameters may be overridden, so a typo cannot silently leave the default.
    public func applyingParameters(
        _ overrides: [String: String],
        fileName: String = "<parameters>"
    ) throws(WorkflowValidationError) -> Workflow {
        var problems: [WorkflowProblem] = []
        var result = self
        for name in overrides.keys.sorted() {
            guard params[name] != nil else {
                problems.append(WorkflowProblem(
                    file: fileName, field: "params.\(name)", code: .unknownParameter,
                    message: "unknown parameter '\(name)'",
                    hint: KeySuggester.hint(for: name, among: params.keys.sorted())
                        ?? "declared parameters: \(params.keys.sorted().joined(separator: ", "))"
                ))
                continue
            }
            result.params[name] = overrides[name]
        }
        guard problems.isEmpty else { throw WorkflowValidationError(problems: problems) }
        return result
    }
}
