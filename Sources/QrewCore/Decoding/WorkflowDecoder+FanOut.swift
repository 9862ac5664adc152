extension WorkflowDecoder {
    /// A matrix value written as a string instead of a list: the dynamic form
    /// `${{ fromJSON(steps.ID.output) }}` (`DynamicMatrix`), or a problem saying what to write.
    /// Returns nil for a value that is not a string (a list, decoded as a static axis).
    mutating func dynamicMatrixAxis(_ node: YAMLNode, key: String, at path: @autoclosure () -> String, stepID: String?) -> DynamicMatrix?? {
        guard case .scalar(let scalar) = node else { return nil }
        if let source = DynamicMatrix.sourceStep(in: scalar.string) {
            return .some(DynamicMatrix(key: key, sourceStep: source))
        }
        report(.invalidMatrix, at: node, field: path(), stepID: stepID,
               "matrix '\(key)' is '\(scalar.string)', neither a list of values nor a dynamic list",
               hint: "write \(key): [a, b, c], or \(key): \"${{ fromJSON(steps.ID.output) }}\" to fan out over the JSON array step ID prints")
        return .some(nil)
    }
}
