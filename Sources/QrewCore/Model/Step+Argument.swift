extension Step {
    /// One `with:` value; scalars keep their YAML type so handlers need not re-parse numbers.
    public enum Argument: Sendable, Hashable, Codable, CustomStringConvertible {
        /// Text (templates are rendered in these only).
        case string(String)
        /// A whole number.
        case integer(Int)
        /// A floating-point number.
        case number(Double)
        /// A boolean.
        case bool(Bool)

        /// The value as text, e.g. for logging or handlers that want strings.
        public var description: String {
            switch self {
            case .string(let value): value
            case .integer(let value): String(value)
            case .number(let value): String(value)
            case .bool(let value): String(value)
            }
        }
    }
}
