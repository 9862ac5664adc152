/// A step's dynamic fan-out: `matrix: { item: "${{ fromJSON(steps.list.output) }}" }` makes one
/// task per element of the JSON array that step `list` outputs, known only once it finished.
///
/// The planner turns such a step into one placeholder task (id = the step id) that depends on the
/// source step; when the source finishes, the leading coordinator expands it (`FanOutPlan`) and
/// the placeholder becomes the join of the new tasks: it ends when they all have, with their
/// outputs as a JSON array (docs/workflow-reference.md "Dynamic fan-out").
public struct DynamicMatrix: Sendable, Hashable, Codable {
    /// The matrix key the elements are bound to (`${{ matrix.KEY }}`).
    public var key: String
    /// The step whose output is the list.
    public var sourceStep: String

    /// The queue placeholders wait on for the leader to expand them; no step or worker may use
    /// it (queue names starting with `__` are reserved).
    public static let placeholderQueue = "__expand"

    /// Whether `queue` is reserved for Qrew's own use (starts with `__`).
    public static func isReservedQueue(_ queue: String) -> Bool { queue.hasPrefix("__") }

    /// Creates a dynamic axis.
    public init(key: String, sourceStep: String) {
        self.key = key
        self.sourceStep = sourceStep
    }

    /// The source step id if `text` is exactly `${{ fromJSON(steps.ID.output) }}` (spaces
    /// inside the braces optional), else nil.
    public static func sourceStep(in text: String) -> String? {
        let trimmed = text.trimmingWhitespace()
        guard trimmed.hasPrefix("${{"), trimmed.hasSuffix("}}"), trimmed.count >= 5 else { return nil }
        let expression = String(trimmed.dropFirst(3).dropLast(2)).trimmingWhitespace()
        let prefix = "fromJSON(steps.", suffix = ".output)"
        guard expression.hasPrefix(prefix), expression.hasSuffix(suffix),
              expression.count > prefix.count + suffix.count else { return nil }
        let id = String(expression.dropFirst(prefix.count).dropLast(suffix.count))
        return id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? id : nil
    }

    /// The matrix values for the source's `output`: each element of its JSON array (a string
    /// element as it is, any other as its JSON text), in order.
    ///
    /// - Throws: `FanOutError` if the output is not a JSON array or has more than `limit` elements.
    public static func elements(of output: String, limit: Int) throws(FanOutError) -> [String] {
        let value: JSONValue
        do {
            value = try JSONReader.parse(output)
        } catch {
            throw .notAnArray("the output is not JSON (\(error)): \(Self.excerpt(output))")
        }
        guard case .array(let items) = value else {
            throw .notAnArray("the output is not a JSON array: \(Self.excerpt(output))")
        }
        guard items.count <= limit else { throw .tooMany(count: items.count, limit: limit) }
        return items.map { item in
            if case .string(let text) = item { return text }
            var writer = JSONWriter()
            writer.write(item)
            return String(decoding: writer.bytes, as: UTF8.self)
        }
    }

    private static func excerpt(_ text: String) -> String {
        text.count <= 80 ? "'\(text)'" : "'\(text.prefix(80))…'"
    }
}

/// Why a dynamic fan-out could not expand; its placeholder ends failed with this text.
public enum FanOutError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The source's output is not a JSON array (the detail says what it was).
    case notAnArray(String)
    /// The array has more elements than `ValidationLimits.maxMatrixTasksPerStep`.
    case tooMany(count: Int, limit: Int)

    public var description: String {
        switch self {
        case .notAnArray(let detail):
            "dynamic matrix: \(detail); the source step must print a JSON array"
        case .tooMany(let count, let limit):
            "dynamic matrix: \(count) elements, more than the limit of \(limit) tasks per step"
        }
    }
}

extension JSONWriter {
    /// Writes a parsed value back as JSON text.
    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(true): raw("true")
        case .bool(false): raw("false")
        case .number(let text): raw(text)
        case .string(let text): string(text)
        case .array(let items):
            open("[")
            for item in items { write(item) }
            close("]")
        case .object(let members):
            open("{")
            for member in members {
                dynamicKey(member.key)
                write(member.value)
            }
            close("}")
        }
    }
}
