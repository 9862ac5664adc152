/// Reusable storage for one command in RESP (`*<count>\r\n` then `$<length>\r\n<bytes>\r\n`
/// per argument), encoded here in one pass and handed to hiredis whole
/// (`redisAppendFormattedCommand`): no per-argument allocation once the buffer has grown, and
/// no second formatting pass in C.
struct RedisCommandBuffer {
    private var bytes: [UInt8] = []

    /// Encodes `arguments` and calls `body` with the command's bytes and length.
    mutating func withCommand<T>(_ arguments: [RedisArgument], _ body: (UnsafePointer<CChar>, Int) -> T) -> T {
        bytes.removeAll(keepingCapacity: true)
        appendHeader(UInt8(ascii: "*"), arguments.count)
        for argument in arguments {
            switch argument {
            case .string(var text): text.withUTF8 { appendBulk($0) }
            case .bytes(let raw): raw.withUnsafeBufferPointer { appendBulk($0) }
            case .int(let value): Self.withDecimal(value) { appendBulk($0) }
            case .double(let value):
                var text = String(value)
                text.withUTF8 { appendBulk($0) }
            }
        }
        return bytes.withUnsafeBufferPointer { command in
            body(UnsafeRawPointer(command.baseAddress!).assumingMemoryBound(to: CChar.self), command.count)
        }
    }

    private mutating func appendBulk(_ content: UnsafeBufferPointer<UInt8>) {
        appendHeader(UInt8(ascii: "$"), content.count)
        bytes.append(contentsOf: content)
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `<marker><count>\r\n`, the count in decimal.
    private mutating func appendHeader(_ marker: UInt8, _ count: Int) {
        bytes.append(marker)
        if count >= 0 && count < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(count))
        } else {
            Self.withDecimal(count) { bytes.append(contentsOf: $0) }
        }
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }

    /// Calls `body` with `value` in decimal, made in a stack buffer (no `String` made for it).
    private static func withDecimal(_ value: Int, _ body: (UnsafeBufferPointer<UInt8>) -> Void) {
        // Int.min is 20 characters with its sign; the digits are made from the end.
        var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &storage) { raw in
            let buffer = raw.bindMemory(to: UInt8.self)
            var start = buffer.count
            var rest = value.magnitude
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            if value < 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "-")
            }
            body(UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }
}
