/// A minimal JSON text builder: commas between members are tracked per nesting level.
struct JSONWriter {
    var bytes: [UInt8] = []
    /// Whether the container being written already has a member (one entry per open level).
    private var hasMember: [Bool] = []

    mutating func open(_ bracket: StaticString) {
        separate()
        bracket.withUTF8Buffer { bytes.append(contentsOf: $0) }
        hasMember.append(false)
    }

    mutating func close(_ bracket: StaticString) {
        hasMember.removeLast()
        bracket.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// An object key made at run time (escaped as needed); the next value written is its value.
    mutating func dynamicKey(_ name: String) {
        separate()
        quoted(name)
        bytes.append(UInt8(ascii: ":"))
        pendingValue = true
    }

    /// An object key written in the code (plain ASCII, nothing to escape): copied as it is; the
    /// next value written is its value.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        pendingValue = true
    }

    mutating func string(_ value: String) {
        separate()
        quoted(value)
    }

    /// Literal text put in as it is, with no comma before it: the caller writes its own
    /// separators (a run of members with fixed names, `TaskSpec.jsonText`).
    mutating func fragment(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ text: StaticString) {
        separate()
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func raw(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
    }

    /// An integer in decimal (no `String` made for it).
    mutating func integer(_ value: Int) {
        separate()
        bytes.appendDecimal(value)
    }

    mutating func array(_ values: [String]) {
        guard !values.isEmpty else {
            separate()
            bytes.append(UInt8(ascii: "["))
            bytes.append(UInt8(ascii: "]"))
            return
        }
        open("[")
        for value in values { string(value) }
        close("]")
    }

    /// A string dictionary as an object with sorted keys.
    mutating func object(_ values: [String: String]) {
        guard !values.isEmpty else {
            separate()
            bytes.append(UInt8(ascii: "{"))
            bytes.append(UInt8(ascii: "}"))
            return
        }
        open("{")
        if values.count == 1, let (key, value) = values.first {
            dynamicKey(key)
            string(value)
        } else {
            for key in values.keys.sorted() {
                dynamicKey(key)
                string(values[key] ?? "")
            }
        }
        close("}")
    }

    /// A `Duration` as its `Codable` form: `[high 64 bits (signed), low 64 bits (unsigned)]` of
    /// its attoseconds.
    mutating func duration(_ value: Duration) {
        let attoseconds = value.attoseconds
        separate()
        bytes.append(UInt8(ascii: "["))
        bytes.appendDecimal(Int(truncatingIfNeeded: attoseconds >> 64))
        bytes.append(UInt8(ascii: ","))
        bytes.appendDecimal(UInt(truncatingIfNeeded: attoseconds))
        bytes.append(UInt8(ascii: "]"))
    }

    /// Set after a key: the value that follows needs no comma.
    private var pendingValue = false

    /// Writes the comma before a member unless it is the first of its container or a key's value.
    private mutating func separate() {
        if pendingValue {
            pendingValue = false
            return
        }
        guard let last = hasMember.indices.last else { return }
        if hasMember[last] { bytes.append(UInt8(ascii: ",")) } else { hasMember[last] = true }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings (ids, names, plain arguments) need no escape: copy them whole.
        let copied = value.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            guard utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if copied == true {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x00..<0x20:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
