/// Why a template could not be parsed or rendered.
public enum TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `${{` without a closing `}}`.
    case unterminated(String)
    /// An expression that is not one of `steps.ID.output`, `matrix.KEY`, `params.NAME`, `run.id`.
    case unknownExpression(String)
    /// Rendering needed a value the context does not have.
    case unresolved(TemplateReference)
    /// `${{ secrets.NAME }}` in a field secrets are never resolved in (anything but `env`,
    /// `headers` and `with` values).
    case secretNotAllowed(String, field: String)

    /// Human-readable reason.
    public var description: String {
        switch self {
        case .unterminated(let text):
            "unterminated '${{' in '\(text)'"
        case .unknownExpression(let expression):
            "unknown expression '\(expression)' (expected steps.ID.output, matrix.KEY, params.NAME, run.id or secrets.NAME)"
        case .unresolved(let reference):
            "no value for \(reference)"
        case .secretNotAllowed(let name, let field):
            "${{ secrets.\(name) }} in \(field): secrets are only resolved in env, headers and with values"
        }
    }
}
