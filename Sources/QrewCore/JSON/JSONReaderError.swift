/// Why `JSONReader` refused a text, and where.
public struct JSONReaderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Sendable, Hashable {
        /// The text ended where `expected` should have followed.
        case unexpectedEnd(expected: String)
        /// A byte that cannot stand here; `expected` says what could.
        case unexpectedByte(UInt8, expected: String)
        /// A string without its closing quote.
        case unterminatedString
        /// A control character (below U+0020) written raw inside a string; JSON requires it escaped.
        case controlCharacterInString(UInt8)
        /// A backslash followed by a byte that starts no JSON escape.
        case invalidEscape(UInt8)
        /// `\u` not followed by four hexadecimal digits.
        case invalidUnicodeEscape
        /// A `\u` escape of a UTF-16 surrogate that is not one half of a high-low pair.
        case unpairedSurrogate(UInt16)
        /// A string whose bytes are not valid UTF-8.
        case invalidUTF8
        /// A number that breaks the JSON grammar (`01`, `1.`, `-`, `.5`, `1e`).
        case invalidNumber
        /// More than whitespace after the value.
        case trailingData
        /// Arrays and objects nested deeper than `limit`.
        case tooDeep(limit: Int)
    }

    /// What is wrong.
    public var problem: Problem
    /// Where, in bytes from the start of the text: the offending byte, the end of the text, the
    /// backslash of a bad escape, or the opening quote of an unterminated or invalid string.
    public var offset: Int

    /// Creates an error.
    public init(_ problem: Problem, at offset: Int) {
        self.problem = problem
        self.offset = offset
    }

    public var description: String {
        switch problem {
        case .unexpectedEnd(let expected):
            "unexpected end of text at byte \(offset), expected \(expected)"
        case .unexpectedByte(let byte, let expected):
            "unexpected \(Self.describe(byte)) at byte \(offset), expected \(expected)"
        case .unterminatedString:
            "unterminated string starting at byte \(offset)"
        case .controlCharacterInString(let byte):
            "unescaped control character \(Self.describe(byte)) in a string at byte \(offset)"
        case .invalidEscape(let byte):
            "invalid escape: a backslash followed by \(Self.describe(byte)) at byte \(offset)"
        case .invalidUnicodeEscape:
            "\\u not followed by four hexadecimal digits at byte \(offset)"
        case .unpairedSurrogate(let unit):
            "unpaired UTF-16 surrogate \\u\(String(unit, radix: 16, uppercase: true)) at byte \(offset)"
        case .invalidUTF8:
            "invalid UTF-8 in the string starting at byte \(offset)"
        case .invalidNumber:
            "invalid number at byte \(offset)"
        case .trailingData:
            "unexpected data after the value at byte \(offset)"
        case .tooDeep(let limit):
            "arrays and objects nested deeper than \(limit) at byte \(offset)"
        }
    }

    /// A printable ASCII byte as itself in quotes, any other as hex (`0x0A`).
    private static func describe(_ byte: UInt8) -> String {
        if (0x21...0x7E).contains(byte) { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0\(hex)" : "0x\(hex)"
    }
}
