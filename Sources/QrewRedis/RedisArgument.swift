/// One argument of a Redis command, kept in its natural type until it is written into the
/// command buffer, so callers don't pay for a byte-array conversion per argument.
///
/// Literals work directly: `["SET", "key", 42]`.
public enum RedisArgument: Sendable, Hashable {
    /// Text, sent as its UTF-8 bytes.
    case string(String)
    /// Raw bytes, sent unchanged (may contain `\0`, `\r\n`).
    case bytes([UInt8])
    /// An integer, sent in decimal.
    case int(Int)
    /// A floating-point number, sent in Swift's shortest round-trip form (`inf`, `-inf` allowed).
    case double(Double)

    /// Appends the argument's bytes to the flat command buffer.
    func append(to buffer: inout [UInt8]) {
        switch self {
        case .string(let text): buffer.append(contentsOf: text.utf8)
        case .bytes(let bytes): buffer.append(contentsOf: bytes)
        case .int(let value): buffer.append(contentsOf: String(value).utf8)
        case .double(let value): buffer.append(contentsOf: String(value).utf8)
        }
    }
}

extension RedisArgument: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension RedisArgument: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension RedisArgument: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}
