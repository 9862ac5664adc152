/// Substitutes `${{ ... }}` references; pure, so the planner, coordinator and worker share it.
public struct TemplateRenderer: Sendable {
    /// The values available for substitution.
    public var context: TemplateContext

    /// Creates a renderer over `context`.
    public init(context: TemplateContext) {
        self.context = context
    }

    /// Renders `text`, requiring every reference to resolve.
    public func render(_ text: String) throws(TemplateError) -> String {
        guard Template.mayContainReference(text) else { return text }
        var output = ""
        for segment in try Template(parsing: text).segments {
            switch segment {
            case .literal(let literal):
                output += literal
            case .reference(let reference):
                guard let value = context.value(for: reference) else { throw .unresolved(reference) }
                output += value
            }
        }
        return output
    }

    /// Renders what the context knows and writes the other references back in canonical form, so
    /// a later stage (with step outputs or the run id) can finish the job.
    public func renderPartially(_ text: String) throws(TemplateError) -> String {
        guard Template.mayContainReference(text) else { return text }
        var output = ""
        for segment in try Template(parsing: text).segments {
            switch segment {
            case .literal(let literal):
                output += literal
            case .reference(let reference):
                output += context.value(for: reference) ?? reference.description
            }
        }
        return output
    }
}
