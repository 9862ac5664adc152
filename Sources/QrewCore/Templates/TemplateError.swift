/// Why a template could not be parsed or rendered.
public enum TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `${{` without a closing `}}`.
    case unterminated(String)
    /// An expression that is not one of `steps.ID.output`, `matrix.KEY`, `params.NAME`, `run.id`.
    case unknownExpression(String)
    /// Rendering needed a value the context does not have.
    case unresolved(TemplateReference)

    /// Human-readable reason.
    public var description: String {
        switch self {
        case .unterminated(let text):
            "unterminated '${{' in '\(text)'"
        case .unknownExpression(let expression):
            "unknown expression '\(expression)' (expected steps.ID.output, matrix.KEY, params.NAME or run.id)"
        case .unresolved(let reference):
            "no value for \(reference)"
        }
    }
}
