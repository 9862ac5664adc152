/// The recursive-descent parser behind `JSONReader`: a cursor over the bytes.
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The next byte to read.
    var index = 0
    /// Arrays and objects currently open.
    private var depth = 0
    /// Where a string with escapes is assembled; reused so only its first use allocates.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The whole text: one value and nothing after it but whitespace.
    mutating func document() throws(JSONReaderError) -> JSONValue {
        let result = try value()
        skipWhitespace()
        guard index == bytes.count else { throw JSONReaderError(.trailingData, at: index) }
        return result
    }

    private mutating func value() throws(JSONReaderError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw JSONReaderError(.unexpectedEnd(expected: "a value"), at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        case let byte: throw JSONReaderError(.unexpectedByte(byte, expected: "a value"), at: index)
        }
    }

    /// The object whose `{` is at `index`.
    private mutating func object() throws(JSONReaderError) -> JSONValue {
        try enter()
        if try next(expected: "a string key or '}'") == UInt8(ascii: "}") {
            return leave(.object([]))
        }
        var members: [JSONMember] = []
        members.reserveCapacity(8)
        while true {
            let byte = try next(expected: "a string key")
            guard byte == UInt8(ascii: "\"") else {
                throw JSONReaderError(.unexpectedByte(byte, expected: "a string key"), at: index)
            }
            let key = try string()
            let colon = try next(expected: "':'")
            guard colon == UInt8(ascii: ":") else {
                throw JSONReaderError(.unexpectedByte(colon, expected: "':' after an object key"), at: index)
            }
            index += 1
            members.append(JSONMember(key: key, value: try value()))
            switch try next(expected: "',' or '}'") {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): return leave(.object(members))
            case let byte: throw JSONReaderError(.unexpectedByte(byte, expected: "',' or '}'"), at: index)
            }
        }
    }

    /// The array whose `[` is at `index`.
    private mutating func array() throws(JSONReaderError) -> JSONValue {
        try enter()
        if try next(expected: "a value or ']'") == UInt8(ascii: "]") {
            return leave(.array([]))
        }
        var elements: [JSONValue] = []
        elements.reserveCapacity(2)
        while true {
            elements.append(try value())
            switch try next(expected: "',' or ']'") {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): return leave(.array(elements))
            case let byte: throw JSONReaderError(.unexpectedByte(byte, expected: "',' or ']'"), at: index)
            }
        }
    }

    /// Steps over an opening bracket, one level deeper.
    private mutating func enter() throws(JSONReaderError) {
        depth += 1
        guard depth <= JSONReader.maximumDepth else {
            throw JSONReaderError(.tooDeep(limit: JSONReader.maximumDepth), at: index)
        }
        index += 1
    }

    /// Steps over the closing bracket at `index`, one level up.
    private mutating func leave(_ container: JSONValue) -> JSONValue {
        depth -= 1
        index += 1
        return container
    }

    /// The next byte after whitespace, left unread.
    private mutating func next(expected: String) throws(JSONReaderError) -> UInt8 {
        skipWhitespace()
        guard index < bytes.count else { throw JSONReaderError(.unexpectedEnd(expected: expected), at: index) }
        return bytes[index]
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Reads `word` (`true`, `false` or `null`), whose first byte is at `index`.
    private mutating func literal(_ word: StaticString) throws(JSONReaderError) {
        let expected = word.utf8Start
        for offset in 0..<word.utf8CodeUnitCount {
            guard index < bytes.count else {
                throw JSONReaderError(.unexpectedEnd(expected: "\(word)"), at: index)
            }
            guard bytes[index] == expected[offset] else {
                throw JSONReaderError(.unexpectedByte(bytes[index], expected: "\(word)"), at: index)
            }
            index += 1
        }
    }

    /// The text of the number that starts at `index`:
    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func number() throws(JSONReaderError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw JSONReaderError(.invalidNumber, at: start) }
        } else {
            try digits(numberStart: start)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            try digits(numberStart: start)
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            try digits(numberStart: start)
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// One or more digits.
    private mutating func digits(numberStart: Int) throws(JSONReaderError) {
        guard index < bytes.count, isDigit(bytes[index]) else { throw JSONReaderError(.invalidNumber, at: numberStart) }
        repeat { index += 1 } while index < bytes.count && isDigit(bytes[index])
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }
}
