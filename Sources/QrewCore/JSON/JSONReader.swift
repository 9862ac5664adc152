/// A strict RFC 8259 JSON parser over UTF-8 bytes, for the worker's hot path: Foundation's
/// `JSONDecoder` spent about a third of a worker's CPU reading task specs.
///
/// Strict means exactly RFC 8259's grammar: one value between optional whitespace; no comments,
/// trailing commas, byte order mark, single quotes, `NaN`, leading zeros or raw control
/// characters in strings; every string valid UTF-8, with only the standard escapes and `\u`
/// surrogates in high-low pairs; arrays and objects at most ``maximumDepth`` deep.
public enum JSONReader {
    /// Deepest nesting of arrays and objects accepted (as in Foundation's `JSONDecoder`), so a
    /// hostile text cannot exhaust the stack.
    public static let maximumDepth = 512

    /// Parses `text`.
    public static func parse(_ text: String) throws(JSONReaderError) -> JSONValue {
        var text = text
        return try text.withUTF8 { bytes in
            Result { () throws(JSONReaderError) in try parse(bytes) }
        }.get()
    }

    /// Parses the UTF-8 text in `bytes`.
    public static func parse(_ bytes: [UInt8]) throws(JSONReaderError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONReaderError) in try parse(buffer) }
        }.get()
    }

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONReaderError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        return try parser.document()
    }
}
