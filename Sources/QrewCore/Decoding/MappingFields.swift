/// The allowed keys of one workflow mapping (the document, a step, `defaults`, ...) with their
/// non-null values, in source order, as `WorkflowDecoder.fields(of:)` returns them.
///
/// Looked up by scanning: such a mapping holds a handful of keys, each at most once (the
/// composer rejects duplicates), and comparing a few short strings is cheaper than hashing each
/// of the thirty-odd keys a step decoder asks for, 100,000 times in a big workflow. Most of those
/// keys are absent, so a mask of the key lengths present answers them without comparing strings.
struct MappingFields {
    private(set) var pairs: [(key: String, value: YAMLNode)] = []
    /// Bit `n` set when a key of `n` UTF-8 bytes is present (63 for 63 and longer).
    private var lengths: UInt64 = 0

    /// The value of `key`, or nil when the mapping does not set it.
    subscript(key: String) -> YAMLNode? {
        guard lengths & Self.lengthBit(key) != 0 else { return nil }
        for pair in pairs where pair.key == key { return pair.value }
        return nil
    }

    /// The keys set, in source order.
    var keys: [String] { pairs.map(\.key) }

    mutating func append(_ key: String, _ value: YAMLNode) {
        pairs.append((key, value))
        lengths |= Self.lengthBit(key)
    }

    private static func lengthBit(_ key: String) -> UInt64 {
        1 << UInt64(min(key.utf8.count, 63))
    }
}
