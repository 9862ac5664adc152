/// A step's `if:`: the text as written (for messages and the skip reason) and its parsed form.
public struct StepCondition: Sendable, Hashable, Codable {
    /// The expression as the workflow file writes it.
    public var text: String
    /// The parsed expression.
    public var expression: ConditionExpression

    /// Parses `text`.
    public init(parsing text: String) throws(ConditionSyntaxError) {
        self.text = text
        self.expression = try ConditionParser.parse(text)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
