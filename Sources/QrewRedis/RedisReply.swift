import CHiredis

/// One RESP2 reply, copied out of hiredis so it can outlive the C reply and cross threads.
public enum RedisReply: Sendable, Hashable {
    /// A simple string such as `OK` or `QUEUED`.
    case status(String)
    /// An error reply; only seen inside arrays and pipelines, single commands throw instead.
    case error(String)
    /// An integer reply.
    case integer(Int)
    /// A bulk string, binary safe.
    case bulk([UInt8])
    /// A nil bulk string or nil array (missing key, timed-out blocking pop).
    case null
    /// A multi-bulk reply.
    case array([RedisReply])

    /// The reply as text: bulk strings decoded as UTF-8, status text, and integers in decimal.
    public var string: String? {
        switch self {
        case .status(let text): text
        case .bulk(let bytes): String(decoding: bytes, as: UTF8.self)
        case .integer(let value): String(value)
        case .error, .null, .array: nil
        }
    }

    /// The reply as an integer: integer replies, and bulk or status text that parses as one.
    public var int: Int? {
        switch self {
        case .integer(let value): value
        case .bulk, .status: string.flatMap { Int($0) }
        case .error, .null, .array: nil
        }
    }

    /// The elements of an array reply.
    public var array: [RedisReply]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    /// The raw bytes of a bulk or status reply, for binary payloads.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let bytes): bytes
        case .status(let text): Array(text.utf8)
        case .error, .integer, .null, .array: nil
        }
    }

    /// Whether this is the nil reply.
    public var isNull: Bool { self == .null }

    /// Deep-copies a hiredis reply tree; the caller still frees `reply`.
    init(_ reply: UnsafePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            self = .bulk(Array(UnsafeRawBufferPointer(start: value.str, count: value.len)))
        case REDIS_REPLY_STATUS:
            self = .status(Self.text(value))
        case REDIS_REPLY_ERROR:
            self = .error(Self.text(value))
        case REDIS_REPLY_INTEGER:
            self = .integer(Int(value.integer))
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] {
                    elements.append(RedisReply(element))
                } else {
                    elements.append(.null)
                }
            }
            self = .array(elements)
        default:
            self = .null
        }
    }

    private static func text(_ value: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: value.str, count: value.len), as: UTF8.self)
    }
}
