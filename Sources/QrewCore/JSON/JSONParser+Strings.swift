extension JSONParser {
    /// The string whose opening quote is at `index`; leaves `index` after its closing quote.
    ///
    /// A string without escapes becomes a `String` straight from its bytes; one with escapes is
    /// assembled in `scratch`, copying the runs between escapes whole. Only a string with raw
    /// non-ASCII bytes needs checking for valid UTF-8 (escapes always decode to valid UTF-8).
    mutating func string() throws(JSONReaderError) -> String {
        let open = index
        index += 1
        var runStart = index
        var escaped = false
        var nonASCII = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: bytes[runStart..<index])
                index += 1
                if !escaped { return try makeString(run, nonASCII: nonASCII, openedAt: open) }
                scratch.append(contentsOf: run)
                return try scratch.withUnsafeBufferPointer { assembled in
                    Result { () throws(JSONReaderError) in try makeString(assembled, nonASCII: nonASCII, openedAt: open) }
                }.get()
            }
            if byte == UInt8(ascii: "\\") {
                if !escaped {
                    scratch.removeAll(keepingCapacity: true)
                    escaped = true
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                guard index + 1 < bytes.count else { break }
                try escape()
                runStart = index
                continue
            }
            if byte < 0x20 { throw JSONReaderError(.controlCharacterInString(byte), at: index) }
            if byte >= 0x80 { nonASCII = true }
            index += 1
        }
        throw JSONReaderError(.unterminatedString, at: open)
    }

    /// `String(validating:as:)` costs a few hundred nanoseconds of generic metadata lookups per
    /// call (it is not specialized), so the common all-ASCII string skips it.
    private func makeString(
        _ utf8: UnsafeBufferPointer<UInt8>, nonASCII: Bool, openedAt open: Int
    ) throws(JSONReaderError) -> String {
        guard nonASCII else { return String(decoding: utf8, as: UTF8.self) }
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw JSONReaderError(.invalidUTF8, at: open)
        }
        return text
    }

    /// Appends what the escape whose backslash is at `index` stands for to `scratch`, and steps
    /// over it. The byte after the backslash exists.
    private mutating func escape() throws(JSONReaderError) {
        let byte = bytes[index + 1]
        let decoded: UInt8
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded = byte
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            UTF8.encode(try unicodeEscape()) { scratch.append($0) }
            return
        default: throw JSONReaderError(.invalidEscape(byte), at: index)
        }
        scratch.append(decoded)
        index += 2
    }

    /// The scalar of the `\uXXXX` at `index`, together with the low-surrogate `\uXXXX` that must
    /// follow a high surrogate; steps over both.
    private mutating func unicodeEscape() throws(JSONReaderError) -> Unicode.Scalar {
        let start = index
        let unit = try hexQuad(at: index)
        index += 6
        switch unit {
        case 0xD800...0xDBFF:
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw JSONReaderError(.unpairedSurrogate(unit), at: start) }
            let low = try hexQuad(at: index)
            guard (0xDC00...0xDFFF).contains(low) else { throw JSONReaderError(.unpairedSurrogate(unit), at: start) }
            index += 6
            let scalar = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
            // A high-low pair always makes a scalar in U+10000...U+10FFFF.
            return Unicode.Scalar(scalar)!
        case 0xDC00...0xDFFF:
            throw JSONReaderError(.unpairedSurrogate(unit), at: start)
        default:
            // Anything but a surrogate is a scalar.
            return Unicode.Scalar(unit)!
        }
    }

    /// The four hexadecimal digits after the `\u` whose backslash is at `escape`.
    private func hexQuad(at escape: Int) throws(JSONReaderError) -> UInt16 {
        guard escape + 6 <= bytes.count else { throw JSONReaderError(.invalidUnicodeEscape, at: escape) }
        var value: UInt16 = 0
        for byte in bytes[(escape + 2)..<(escape + 6)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONReaderError(.invalidUnicodeEscape, at: escape)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}
