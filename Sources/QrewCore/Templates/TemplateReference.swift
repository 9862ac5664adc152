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
    /// `${{ secrets.NAME }}`: a secret only the worker knows (docs/security.md); allowed in
    /// `env`, `headers` and `with` values, and kept as a reference in everything stored.
    case secret(String)

    /// The canonical expression text, e.g. `${{ steps.build.output }}`.
    public var description: String {
        switch self {
        case .stepOutput(let id): "${{ steps.\(id).output }}"
        case .matrix(let key): "${{ matrix.\(key) }}"
        case .param(let name): "${{ params.\(name) }}"
        case .runID: "${{ run.id }}"
        case .secret(let name): "${{ secrets.\(name) }}"
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
        case "secrets" where parts.count == 2 && Self.isSecretName(parts[1]):
            return .secret(parts[1])
        default:
            throw .unknownExpression(expression)
        }
    }

    /// Whether `name` can name a secret: letters, digits and `_`, not starting with a digit, so
    /// it is both an environment variable suffix (`QREW_SECRET_NAME`) and a safe file name.
    public static func isSecretName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
