/// A JSON value as `JSONReader` parses it: a plain tree, with none of Foundation's boxing.
///
/// Numbers keep their text (already checked against the RFC 8259 grammar), so each reader
/// converts them to the type it needs without a lossy detour through `Double`. Objects keep their
/// members in document order, duplicate keys included, and leave the choice among them to the
/// reader.
public enum JSONValue: Sendable, Hashable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number's text exactly as written, e.g. `-12`, `0.5`, `1e3`.
    case number(String)
    /// A string, escapes decoded.
    case string(String)
    /// An array's elements in order.
    case array([JSONValue])
    /// An object's members in document order, duplicate keys included.
    case object([JSONMember])
}

/// One `"key": value` member of a JSON object.
public struct JSONMember: Sendable, Hashable {
    /// The key, escapes decoded.
    public var key: String
    /// The value.
    public var value: JSONValue

    /// Creates a member.
    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}
