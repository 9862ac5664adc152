import Foundation

/// Foundation's JSON readers behind a nesting check, for every text a service or `qctl` did not
/// write itself (read from Redis, a file or the command line).
///
/// `JSONDecoder` and `JSONSerialization` refuse texts nested deeper than 512 arrays and objects,
/// but building that error can trap (Swift 6.3.1, `JSONError.SourceLocation`: a text with a
/// newline that ends right at its 513th level), which would take the whole process down. Such a
/// text is refused here before Foundation sees it, so it is an error, never a crash.
public enum FoundationJSON {
    /// Deepest nesting passed on to Foundation: its own limit, and ``JSONReader``'s.
    public static let maximumDepth = JSONReader.maximumDepth

    /// `JSONDecoder().decode(type, from: data)`, refusing a text nested too deep first.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try checkNesting(of: data)
        return try JSONDecoder().decode(type, from: data)
    }

    /// `JSONSerialization.jsonObject(with: data, options:)`, refusing a text nested too deep first.
    public static func object(from data: Data, options: JSONSerialization.ReadingOptions = []) throws -> Any {
        try checkNesting(of: data)
        return try JSONSerialization.jsonObject(with: data, options: options)
    }

    /// Where in `bytes` the first array or object opens that is nested deeper than `limit`
    /// (brackets inside strings do not count), or nil when none is. It reads any bytes, JSON or
    /// not, in one pass.
    public static func offsetNestedDeeper(than limit: Int, in bytes: some Sequence<UInt8>) -> Int? {
        var depth = 0, inString = false, escaped = false
        for (offset, byte) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return offset }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return nil
    }

    private static func checkNesting(of data: Data) throws(JSONReaderError) {
        if let offset = offsetNestedDeeper(than: maximumDepth, in: data) {
            throw JSONReaderError(.tooDeep(limit: maximumDepth), at: offset)
        }
    }
}
