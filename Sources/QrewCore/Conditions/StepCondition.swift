/// A step's `if:`: the text as written (for messages and the skip reason) and its parsed form
/// (with params and matrix values substituted, once a task's settings are resolved).
public struct StepCondition: Sendable, Hashable, Codable {
    /// The expression as the workflow file writes it.
    public var text: String
    /// The parsed expression.
    public var expression: ConditionExpression

    /// The condition `text` reads as `expression` (e.g. params substituted).
    public init(text: String, expression: ConditionExpression) {
        self.text = text
        self.expression = expression
    }

    /// Parses `text`.
    public init(parsing text: String) throws(ConditionSyntaxError) {
        self.text = text
        self.expression = try ConditionParser.parse(text)
    }
}
