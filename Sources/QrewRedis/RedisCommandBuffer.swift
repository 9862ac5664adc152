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
            case .string(let text): appendBulk(text.utf8)
            case .bytes(let raw): appendBulk(raw)
            case .int(let value): appendBulk(String(value).utf8)
            case .double(let value): appendBulk(String(value).utf8)
            }
        }
        return bytes.withUnsafeBufferPointer { command in
            body(UnsafeRawPointer(command.baseAddress!).assumingMemoryBound(to: CChar.self), command.count)
        }
    }

    private mutating func appendBulk(_ content: some Collection<UInt8>) {
        appendHeader(UInt8(ascii: "$"), content.count)
        bytes.append(contentsOf: content)
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }

    /// `<marker><count>\r\n`, the count in decimal (a small string: no allocation).
    private mutating func appendHeader(_ marker: UInt8, _ count: Int) {
        bytes.append(marker)
        bytes.append(contentsOf: String(count).utf8)
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }
}
