/// What a `${{ ... }}` expression refers to.
public enum TemplateReference: Sendable, Hashable, CustomStringConvertible {
    /// `${{ steps.ID.output }}`: another step's output; also an implicit dependency on that step.
    case stepOutput(String)
    /// `${{ matrix.KEY }}`: this task's value on a matrix axis.
    case matrix(String)
    /// `${{ params.NAME }}`: a declared workflow parameter.
    case param(String)
    /// `${{ run.id }}`: the id of the run being executed.
    case runID

    /// The canonical expression text, e.g. `${{ steps.build.output }}`.
    public var description: String {
        switch self {
        case .stepOutput(let id): "${{ steps.\(id).output }}"
        case .matrix(let key): "${{ matrix.\(key) }}"
        case .param(let name): "${{ params.\(name) }}"
        case .runID: "${{ run.id }}"
        }
    }

    /// Parses the inside of `${{ }}` (already trimmed).
    static func parse(expression: String) throws(TemplateError) -> TemplateReference {
        let parts = expression.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        // `outputs`: the JSON array of a dynamic fan-out's outputs, which is that step's output.
        case "steps" where parts.count == 3 && (parts[2] == "output" || parts[2] == "outputs") && !parts[1].isEmpty:
            return .stepOutput(parts[1])
        case "matrix" where parts.count == 2 && !parts[1].isEmpty:
            return .matrix(parts[1])
        case "params" where parts.count == 2 && !parts[1].isEmpty:
            return .param(parts[1])
        case "run" where parts.count == 2 && parts[1] == "id":
            return .runID
        default:
            throw .unknownExpression(expression)
        }
    }
}
