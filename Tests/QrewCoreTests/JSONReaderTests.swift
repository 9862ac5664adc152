import Foundation
import Testing
@testable import QrewCore

/// `JSONReader` accepts exactly RFC 8259 JSON and says what is wrong, and where, with the rest.
struct JSONReaderTests {
    @Test(arguments: [
        ("null", JSONValue.null),
        (" \t\r\n true \n", .bool(true)),
        ("false", .bool(false)),
        ("0", .number("0")),
        ("-0", .number("-0")),
        ("-12.50e+3", .number("-12.50e+3")),
        ("1E-7", .number("1E-7")),
        ("123456789012345678901234567890", .number("123456789012345678901234567890")),
        (#""""#, .string("")),
        (#""héllo 日本 🚀""#, .string("héllo 日本 🚀")),
        ("[]", .array([])),
        ("{}", .object([])),
        (#"[1, "a", [null], {}]"#, .array([.number("1"), .string("a"), .array([.null]), .object([])])),
        (
            #"{ "b" : 1 , "a" : { "c" : [ true ] }, "b": 2 }"#,
            .object([
                JSONMember(key: "b", value: .number("1")),
                JSONMember(key: "a", value: .object([JSONMember(key: "c", value: .array([.bool(true)]))])),
                JSONMember(key: "b", value: .number("2")),
            ])
        ),
    ])
    func parsesValues(text: String, expected: JSONValue) throws {
        #expect(try JSONReader.parse(text) == expected)
        #expect(try JSONReader.parse(Array(text.utf8)) == expected)
    }

    @Test(arguments: [
        (#""\"""#, "\""),
        (#""\\""#, "\\"),
        (#""\/""#, "/"),
        (#""\b""#, "\u{08}"),
        (#""\f""#, "\u{0C}"),
        (#""\n""#, "\n"),
        (#""\r""#, "\r"),
        (#""\t""#, "\t"),
        (#""\u0000""#, "\u{00}"),
        (#""\u001f""#, "\u{1F}"),
        (#""\u0041""#, "A"),
        (#""\u00e9\u00C9""#, "éÉ"),
        (#""\u20AC""#, "€"),
        (#""\uFFFF""#, "\u{FFFF}"),
        (#""\ud83d\ude80""#, "🚀"),
        (#""\uD800\uDC00""#, "\u{10000}"),
        (#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
        (#""a\nb\"c\\d\u00e9 🚀 \ud83d\ude80 end""#, "a\nb\"c\\dé 🚀 🚀 end"),
    ])
    func decodesEveryEscape(text: String, expected: String) throws {
        #expect(try JSONReader.parse(text) == .string(expected))
    }

    @Test func reusesItsScratchAcrossStringsWithEscapes() throws {
        let value = try JSONReader.parse(#"["a\nb", "plain", "\u0041\u0042", "long \t string with an escape"]"#)
        #expect(value == .array([.string("a\nb"), .string("plain"), .string("AB"), .string("long \t string with an escape")]))
    }

    typealias Problem = JSONReaderError.Problem

    @Test(arguments: [
        ("", Problem.unexpectedEnd(expected: "a value"), 0),
        ("   ", .unexpectedEnd(expected: "a value"), 3),
        ("{", .unexpectedEnd(expected: "a string key or '}'"), 1),
        (#"{"a""#, .unexpectedEnd(expected: "':'"), 4),
        (#"{"a":"#, .unexpectedEnd(expected: "a value"), 5),
        (#"{"a":1"#, .unexpectedEnd(expected: "',' or '}'"), 6),
        (#"{"a":1,"#, .unexpectedEnd(expected: "a string key"), 7),
        ("[", .unexpectedEnd(expected: "a value or ']'"), 1),
        ("[1", .unexpectedEnd(expected: "',' or ']'"), 2),
        ("tru", .unexpectedEnd(expected: "true"), 3),
        (#"{"a":1,}"#, .unexpectedByte(UInt8(ascii: "}"), expected: "a string key"), 7),
        ("{a:1}", .unexpectedByte(UInt8(ascii: "a"), expected: "a string key"), 1),
        ("{1:1}", .unexpectedByte(UInt8(ascii: "1"), expected: "a string key"), 1),
        (#"{"a" 1}"#, .unexpectedByte(UInt8(ascii: "1"), expected: "':' after an object key"), 5),
        (#"{"a":1 "b":2}"#, .unexpectedByte(UInt8(ascii: "\""), expected: "',' or '}'"), 7),
        ("[1,]", .unexpectedByte(UInt8(ascii: "]"), expected: "a value"), 3),
        ("[1 2]", .unexpectedByte(UInt8(ascii: "2"), expected: "',' or ']'"), 3),
        ("[,1]", .unexpectedByte(UInt8(ascii: ","), expected: "a value"), 1),
        ("trux", .unexpectedByte(UInt8(ascii: "x"), expected: "true"), 3),
        ("nul", .unexpectedEnd(expected: "null"), 3),
        ("falsy", .unexpectedByte(UInt8(ascii: "y"), expected: "false"), 4),
        ("True", .unexpectedByte(UInt8(ascii: "T"), expected: "a value"), 0),
        ("NaN", .unexpectedByte(UInt8(ascii: "N"), expected: "a value"), 0),
        ("'a'", .unexpectedByte(UInt8(ascii: "'"), expected: "a value"), 0),
        ("// comment\n1", .unexpectedByte(UInt8(ascii: "/"), expected: "a value"), 0),
        ("\u{FEFF}{}", .unexpectedByte(0xEF, expected: "a value"), 0),
        ("\u{0B}1", .unexpectedByte(0x0B, expected: "a value"), 0),
        ("1 2", .trailingData, 2),
        ("{} x", .trailingData, 3),
        (#""a"x"#, .trailingData, 3),
        ("[1]]", .trailingData, 3),
        ("01", .invalidNumber, 0),
        ("-01", .invalidNumber, 0),
        ("-", .invalidNumber, 0),
        ("-a", .invalidNumber, 0),
        ("[1.]", .invalidNumber, 1),
        ("1.e3", .invalidNumber, 0),
        ("1e", .invalidNumber, 0),
        ("1e+", .invalidNumber, 0),
        ("+1", .unexpectedByte(UInt8(ascii: "+"), expected: "a value"), 0),
        (".5", .unexpectedByte(UInt8(ascii: "."), expected: "a value"), 0),
        (#""abc"#, .unterminatedString, 0),
        (#"["abc\"]"#, .unterminatedString, 1),
        (#""abc\"#, .unterminatedString, 0),
        ("\"a\u{01}b\"", .controlCharacterInString(0x01), 2),
        ("\"a\nb\"", .controlCharacterInString(0x0A), 2),
        ("\"\t\"", .controlCharacterInString(0x09), 1),
        (#""\x""#, .invalidEscape(UInt8(ascii: "x")), 1),
        (#""ab\'""#, .invalidEscape(UInt8(ascii: "'")), 3),
        (#""\U0041""#, .invalidEscape(UInt8(ascii: "U")), 1),
        (#""\u12""#, .invalidUnicodeEscape, 1),
        (#""\u12G4""#, .invalidUnicodeEscape, 1),
        (#""\u"#, .invalidUnicodeEscape, 1),
        (#""\ud83d""#, .unpairedSurrogate(0xD83D), 1),
        (#""\ud83dx""#, .unpairedSurrogate(0xD83D), 1),
        (#""\ud83d\u0041""#, .unpairedSurrogate(0xD83D), 1),
        (#""\ud83d\ud83d""#, .unpairedSurrogate(0xD83D), 1),
        (#""a\ude80""#, .unpairedSurrogate(0xDE80), 2),
        (#""\ud83d\uzzzz""#, .invalidUnicodeEscape, 7),
    ])
    func rejectsMalformedText(text: String, problem: Problem, offset: Int) {
        #expect(throws: JSONReaderError(problem, at: offset)) { try JSONReader.parse(text) }
        #expect(throws: JSONReaderError(problem, at: offset)) { try JSONReader.parse(Array(text.utf8)) }
    }

    @Test(arguments: [
        ([0x22, 0xC3, 0x28, 0x22], JSONReaderError(.invalidUTF8, at: 0)),
        ([0x5B, 0x22, 0xFF, 0x22, 0x5D], JSONReaderError(.invalidUTF8, at: 1)),
        ([0x22, 0xED, 0xA0, 0x80, 0x22], JSONReaderError(.invalidUTF8, at: 0)),  // a surrogate in UTF-8
        ([0x22, 0x5C, 0x6E, 0xE6, 0x97, 0x22], JSONReaderError(.invalidUTF8, at: 0)),  // truncated, after an escape
        ([0xFF], JSONReaderError(.unexpectedByte(0xFF, expected: "a value"), at: 0)),
    ] as [([UInt8], JSONReaderError)])
    func rejectsInvalidUTF8(bytes: [UInt8], error: JSONReaderError) {
        #expect(throws: error) { try JSONReader.parse(bytes) }
    }

    @Test func limitsNesting() throws {
        let limit = JSONReader.maximumDepth
        let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try JSONReader.parse(deepest) }
        let objects = String(repeating: #"{"a":"#, count: limit) + "1" + String(repeating: "}", count: limit)
        #expect(throws: Never.self) { try JSONReader.parse(objects) }
        let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
        #expect(throws: JSONReaderError(.tooDeep(limit: limit), at: limit)) { try JSONReader.parse(tooDeep) }
        // Depth is nesting, not the number of containers.
        let wide = "[" + Array(repeating: "[[]]", count: limit * 2).joined(separator: ",") + "]"
        #expect(throws: Never.self) { try JSONReader.parse(wide) }
    }

    @Test(arguments: [
        (#"{"a" 1}"#, "unexpected '1' at byte 5, expected ':' after an object key"),
        ("[", "unexpected end of text at byte 1, expected a value or ']'"),
        ("\"a\nb\"", "unescaped control character 0x0A in a string at byte 2"),
        (#""\x""#, "invalid escape: a backslash followed by 'x' at byte 1"),
        (#""\ude80""#, "unpaired UTF-16 surrogate \\uDE80 at byte 1"),
        (#""abc"#, "unterminated string starting at byte 0"),
        ("1 2", "unexpected data after the value at byte 2"),
        ("01", "invalid number at byte 0"),
    ])
    func describesProblemsReadably(text: String, message: String) {
        let error = #expect(throws: JSONReaderError.self) { try JSONReader.parse(text) }
        #expect(error?.description == message)
    }

    /// Random damage to valid JSON: the reader never crashes, and accepts what Foundation's
    /// `JSONSerialization` accepts, reading the same strings, except where Foundation strays from
    /// RFC 8259: it allows a trailing comma and refuses a number beyond `Double`'s range. (It also
    /// drops a U+FEFF that starts a string or follows an escape, so the texts hold none.)
    @Test func agreesWithJSONSerializationOnDamagedText() throws {
        var g = SplitMix64(seed: 7)
        let alphabet = Array(#"{}[]:,"\/ubfnrt0123456789.eE+-aAdDfF tx"#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF]
        var accepted = 0
        for _ in 0..<3000 {
            let valid = TaskSpecJSONTests.randomSpec(&g).jsonText.unicodeScalars.map { $0 == "\u{FEFF}" ? "~" : $0 }
            var bytes = Array(String(String.UnicodeScalarView(valid)).utf8)
            for _ in 0..<Int(g.next() % 3) + 1 {
                let at = Int(g.next() % UInt64(bytes.count))
                switch g.next() % 3 {
                case 0: bytes[at] = alphabet[Int(g.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[Int(g.next() % UInt64(alphabet.count))], at: at)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let foundation = try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)
            switch Result(catching: { () throws(JSONReaderError) in try JSONReader.parse(bytes) }) {
            case .success(let ours):
                if let foundation {
                    accepted += 1
                    #expect(Self.strings(in: ours) == Self.strings(in: foundation), "\(text)")
                } else {
                    #expect(Self.hasNumberBeyondDouble(ours), "only Foundation refused \(text)")
                }
            case .failure(let error):
                if foundation != nil {
                    #expect(Self.isTrailingComma(error, in: bytes), "only JSONReader refused \(text): \(error)")
                }
            }
        }
        #expect(accepted > 100)
    }

    private static func hasNumberBeyondDouble(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let text): Double(text)?.isFinite != true
        case .array(let elements): elements.contains { hasNumberBeyondDouble($0) }
        case .object(let members): members.contains { hasNumberBeyondDouble($0.value) }
        case .null, .bool, .string: false
        }
    }

    /// A closing bracket where a value or key should follow a comma.
    private static func isTrailingComma(_ error: JSONReaderError, in bytes: [UInt8]) -> Bool {
        guard case .unexpectedByte(let byte, _) = error.problem, byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}")
        else { return false }
        let before = bytes[..<error.offset].last { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
        return before == UInt8(ascii: ",")
    }

    /// Every string, keys included, in a canonical order, to compare trees from both parsers.
    private static func strings(in value: JSONValue) -> [String] {
        switch value {
        case .string(let text): [text]
        case .array(let elements): elements.flatMap { strings(in: $0) }
        case .object(let members):
            // A damaged text can repeat a key; like Foundation's dictionary, keep the last member.
            Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
                .sorted { $0.key < $1.key }.flatMap { [$0.key] + strings(in: $0.value) }
        case .null, .bool, .number: []
        }
    }

    private static func strings(in value: Any) -> [String] {
        switch value {
        case let text as String: [text]
        case let elements as [Any]: elements.flatMap { strings(in: $0) }
        case let members as [String: Any]:
            members.sorted { $0.key < $1.key }.flatMap { [$0.key] + strings(in: $0.value) }
        default: []
        }
    }
}
