import Foundation
import Testing
@testable import QrewCore

/// `FoundationJSON` hands Foundation only texts it cannot trap on: nested deeper than 512, a text
/// is refused with where; anything else reads exactly as `JSONDecoder` and `JSONSerialization` read it.
struct FoundationJSONTests {
    /// What `JSONDecoder` traps on in Swift 6.3.1 (`JSONError.SourceLocation`): a newline, then
    /// arrays and objects nested until the text ends at the 513th level (the fuzzer's find, shortened).
    static let trappingText = #"{"a":"# + String(repeating: "[", count: 200) + "\n" + String(repeating: "[", count: 312)

    @Test func theTextFoundationTrapsOnIsRefusedWithWhere() {
        #expect(throws: JSONReaderError(.tooDeep(limit: 512), at: 5 + 512)) {
            try FoundationJSON.decode([String: Int].self, from: Data(Self.trappingText.utf8))
        }
        #expect(throws: JSONReaderError(.tooDeep(limit: 512), at: 5 + 512)) {
            try FoundationJSON.object(from: Data(Self.trappingText.utf8), options: .fragmentsAllowed)
        }
    }

    @Test func texts512DeepStillReachFoundationAnd513DeepDoNot() throws {
        func nested(_ depth: Int) -> Data {
            Data((String(repeating: "[\n", count: depth) + String(repeating: "]", count: depth)).utf8)
        }
        #expect(try FoundationJSON.object(from: nested(512)) is [Any])
        #expect(throws: JSONReaderError(.tooDeep(limit: 512), at: 2 * 512)) { try FoundationJSON.object(from: nested(513)) }
        #expect(FoundationJSON.maximumDepth == JSONReader.maximumDepth)
    }

    @Test(arguments: [
        (#"{"a": "[[[[", "b": [1]}"#, 1, 19),
        (#"["\"[[", [[]]]"#, 2, 10),
        (#"["\\", [[]]]"#, 2, 8),
        ("[{}]", 1, 1),
        ("[{}]", 2, nil),
        ("not json {", 0, 9),
        (#""unterminated [[["#, 0, nil),
    ] as [(String, Int, Int?)])
    func bracketsInsideStringsDoNotCount(text: String, limit: Int, offset: Int?) {
        #expect(FoundationJSON.offsetNestedDeeper(than: limit, in: text.utf8) == offset)
    }

    @Test func whatFoundationReadsItStillReads() throws {
        let text = #"{"queues": ["a", "b"], "slots": 4, "nested": {"x": [[1], {"y": null}]}}"#
        struct Info: Decodable, Equatable { var queues: [String]; var slots: Int }
        #expect(try FoundationJSON.decode(Info.self, from: Data(text.utf8)) == Info(queues: ["a", "b"], slots: 4))
        let object = try #require(try FoundationJSON.object(from: Data(text.utf8)) as? [String: Any])
        #expect(object["slots"] as? Int == 4)
        #expect(throws: DecodingError.self) { try FoundationJSON.decode(Info.self, from: Data("{".utf8)) }
    }
}
