/// The allowed keys of one workflow mapping (the document, a step, `defaults`, ...) with their
/// non-null values, in source order, as `WorkflowDecoder.fields(of:)` returns them.
///
/// Looked up by scanning: such a mapping holds a handful of keys, each at most once (the
/// composer rejects duplicates), and comparing a few short strings is cheaper than hashing each
/// of the thirty-odd keys a step decoder asks for, 100,000 times in a big workflow.
struct MappingFields {
    private(set) var pairs: [(key: String, value: YAMLNode)] = []

    /// The value of `key`, or nil when the mapping does not set it.
    subscript(key: String) -> YAMLNode? {
        for pair in pairs where pair.key == key { return pair.value }
        return nil
    }

    /// The keys set, in source order.
    var keys: [String] { pairs.map(\.key) }

    mutating func append(_ key: String, _ value: YAMLNode) {
        pairs.append((key, value))
    }
}
