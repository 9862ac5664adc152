/// Decoding of a step's `if:` (docs/workflow-reference.md, *Conditions*).
extension WorkflowDecoder {
    /// Reads `if:` into `step.condition`; a syntax error is reported at its line and column in the file.
    mutating func decodeCondition(_ fields: MappingFields, into step: inout Step, path: @autoclosure () -> String, stepID: String?) {
        guard let node = fields["if"] else { return }
        let field = "\(path()).if"
        guard let text = string(node, at: field, stepID: stepID) else { return }
        do {
            step.condition = try StepCondition(parsing: text)
        } catch {
            var column = node.mark.column
            if case .scalar(let scalar) = node, !text.contains("\n") {
                // a one-line scalar: the expression's characters follow its start (after a quote)
                column += error.offset + (scalar.style == .plain ? 0 : 1)
            }
            problems.append(WorkflowProblem(
                file: file, line: node.mark.line, column: column, stepID: stepID, field: field, code: .badCondition,
                message: "if: \(error.description)",
                hint: "write an expression such as failure(), always(), steps.ID.state == 'failed' or steps.ID.output == 'x'"
                    + " (strings in single quotes; quote the whole value when it starts with '!')"))
        }
    }
}
