/// One JSON object of a task spec, read member by member with `SpecValue` readers; errors name
/// the member's dotted path.
struct SpecObject {
    private let members: [JSONMember]
    private let path: String

    init(_ value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) {
        guard case .object(let members) = value else {
            throw .invalidField(path(), expected: "an object", got: SpecValue.describe(value))
        }
        self.members = members
        self.path = path()
    }

    /// The member `key`, which must be present (`null` is then the reader's to refuse).
    func required<T>(_ key: String, _ read: SpecValue.Reader<T>) throws(TaskSpecDecodingError) -> T {
        guard let value = first(key) else { throw .missingField(path(key)) }
        return try read(value) { path(key) }
    }

    /// The member `key`, nil when absent or `null` (as `decodeIfPresent`).
    func optional<T>(_ key: String, _ read: SpecValue.Reader<T>) throws(TaskSpecDecodingError) -> T? {
        guard let value = first(key) else { return nil }
        if case .null = value { return nil }
        return try read(value) { path(key) }
    }

    /// The first member named `key`: of duplicate keys the first counts, as with `JSONDecoder`.
    /// (Comparing lengths first is cheap and spares most string comparisons.)
    private func first(_ key: String) -> JSONValue? {
        let length = key.utf8.count
        return members.first { $0.key.utf8.count == length && $0.key == key }?.value
    }

    private func path(_ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
