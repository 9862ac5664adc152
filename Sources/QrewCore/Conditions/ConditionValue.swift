/// A value an `if:` expression computes with: GitHub Actions' types (null, boolean, number,
/// string, plus the arrays and objects `fromJSON` returns).
public enum ConditionValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([ConditionValue])
    case object([String: ConditionValue])

    /// Falsy: `false`, `0`, `""`, `null` and NaN; everything else (arrays and objects too) is truthy.
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let value): value
        case .number(let value): value != 0 && !value.isNaN
        case .string(let value): !value.isEmpty
        case .array, .object: true
        }
    }

    /// The value as a number for comparisons between different types (GitHub Actions' rules):
    /// null 0, booleans 0/1, a string its numeric value (empty: 0; not a number: NaN).
    var numeric: Double {
        switch self {
        case .null: return 0
        case .bool(let value): return value ? 1 : 0
        case .number(let value): return value
        case .string(let text):
            let trimmed = text.trimmingWhitespace()
            return trimmed.isEmpty ? 0 : Double(trimmed) ?? Double.nan
        case .array, .object: return Double.nan
        }
    }

    /// The value as text for `contains` and `startsWith`.
    var text: String {
        switch self {
        case .null: ""
        case .bool(let value): value ? "true" : "false"
        case .number(let value): Self.numberText(value)
        case .string(let value): value
        case .array, .object: ""
        }
    }

    /// Equality as `==` defines it: same types by value (strings ignoring case, arrays and
    /// objects by identity, i.e. never), different types compared as numbers.
    func looselyEquals(_ other: ConditionValue) -> Bool {
        switch (self, other) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a.lowercased() == b.lowercased()
        case (.array, _), (_, .array), (.object, _), (_, .object): false
        default: numeric == other.numeric
        }
    }

    /// The literal as an expression writes it (only null, booleans, numbers and strings are literals).
    var literalText: String {
        switch self {
        case .null: "null"
        case .bool(let value): value ? "true" : "false"
        case .number(let value): Self.numberText(value)
        case .string(let value): Self.quoted(value)
        case .array, .object: "null"
        }
    }

    /// `value` in single quotes, each quote doubled (by Unicode scalar: a combining mark after a
    /// quote must not hide it).
    static func quoted(_ value: String) -> String {
        var text = "'"
        for scalar in value.unicodeScalars {
            text.unicodeScalars.append(scalar)
            if scalar == "'" { text.unicodeScalars.append(scalar) }
        }
        text.unicodeScalars.append("'")
        return text
    }

    static func numberText(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
