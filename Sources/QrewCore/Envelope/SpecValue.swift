/// Readers that turn the `JSONValue`s of a task spec into Swift values, with errors that name the
/// field (`path` is only called to build an error, so paths cost nothing on success).
///
/// Each mirrors what the synthesized `Decodable` conformance accepts from `JSONDecoder`.
enum SpecValue {
    typealias Reader<T> = (JSONValue, () -> String) throws(TaskSpecDecodingError) -> T

    static func string(_ value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) -> String {
        guard case .string(let text) = value else {
            throw .invalidField(path(), expected: "a string", got: describe(value))
        }
        return text
    }

    static func bool(_ value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) -> Bool {
        guard case .bool(let flag) = value else {
            throw .invalidField(path(), expected: "true or false", got: describe(value))
        }
        return flag
    }

    static func int(_ value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) -> Int {
        try integer(value, path, expected: "an integer")
    }

    /// A number that is exactly an integer in range of `T`; as with `JSONDecoder`, it may be
    /// written with a fraction or an exponent (`5.0`, `5e2`), read as a `Double` that must be
    /// whole. Only below 2^53, where a `Double` holds every integer: above, `9007199254740993.0`
    /// would read as ...992 (`JSONDecoder` re-reads such a number as a `Decimal`, with limits of
    /// its own), so it is refused; coordinators write plain integers.
    static func integer<T: FixedWidthInteger>(
        _ value: JSONValue, _ path: () -> String, expected: String
    ) throws(TaskSpecDecodingError) -> T {
        guard case .number(let text) = value else {
            throw .invalidField(path(), expected: expected, got: describe(value))
        }
        if let exact = T(text) { return exact }
        if let approximate = Double(text), approximate.magnitude < 0x1p53, let exact = T(exactly: approximate) {
            return exact
        }
        throw .invalidField(path(), expected: expected, got: text)
    }

    /// A `Duration` in its `Codable` form: `[high 64 bits (signed), low 64 bits (unsigned)]` of its
    /// attoseconds. Further elements are ignored, as `Duration.init(from:)` ignores them.
    static func duration(_ value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) -> Duration {
        guard case .array(let parts) = value, parts.count >= 2 else {
            throw .invalidField(path(), expected: "[high, low] attoseconds", got: describe(value))
        }
        let high: Int64 = try integer(parts[0], { "\(path())[0]" }, expected: "a 64-bit integer")
        let low: UInt64 = try integer(parts[1], { "\(path())[1]" }, expected: "an unsigned 64-bit integer")
        return Duration(attoseconds: Int128(high) << 64 | Int128(low))
    }

    /// A string that is the raw value of one of `T`'s cases.
    static func choice<T: RawRepresentable<String> & CaseIterable>(
        _ value: JSONValue, _ path: () -> String
    ) throws(TaskSpecDecodingError) -> T {
        guard case .string(let text) = value, let choice = T(rawValue: text) else {
            let names = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidField(path(), expected: "one of \(names)", got: describe(value))
        }
        return choice
    }

    static func strings(_ value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) -> [String] {
        try array(value, path, expected: "an array of strings", string)
    }

    static func stringDictionary(
        _ value: JSONValue, _ path: () -> String
    ) throws(TaskSpecDecodingError) -> [String: String] {
        try dictionary(value, path, expected: "an object of strings", string)
    }

    /// `read` is `@escaping` only because a non-escaping closure may not be handed another that
    /// captures `path`; it is not kept.
    static func array<T>(
        _ value: JSONValue, _ path: () -> String, expected: String, _ read: @escaping Reader<T>
    ) throws(TaskSpecDecodingError) -> [T] {
        guard case .array(let elements) = value else {
            throw .invalidField(path(), expected: expected, got: describe(value))
        }
        if elements.isEmpty { return [] }
        var result: [T] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            result.append(try read(element) { "\(path())[\(index)]" })
        }
        return result
    }

    /// An object as a dictionary; of duplicate keys the first wins, as with `JSONDecoder`. `read`
    /// is `@escaping` for the reason given at `array`.
    static func dictionary<T>(
        _ value: JSONValue, _ path: () -> String, expected: String, _ read: @escaping Reader<T>
    ) throws(TaskSpecDecodingError) -> [String: T] {
        guard case .object(let members) = value else {
            throw .invalidField(path(), expected: expected, got: describe(value))
        }
        if members.isEmpty { return [:] }
        var result: [String: T] = [:]
        result.reserveCapacity(members.count)
        // A later duplicate is not read at all: JSONDecoder keeps the first and never looks at it.
        for member in members where result[member.key] == nil {
            result[member.key] = try read(member.value) { "\(path())[\(member.key.debugDescription)]" }
        }
        return result
    }

    /// What an error says was found instead: a scalar as written (strings quoted and shortened),
    /// a container by kind and size.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .number(let text): text
        case .string(let text) where text.count > 40: "'\(text.prefix(40))…'"
        case .string(let text): "'\(text)'"
        case .array(let elements): elements.count == 1 ? "an array of 1 element" : "an array of \(elements.count) elements"
        case .object: "an object"
        }
    }
}
