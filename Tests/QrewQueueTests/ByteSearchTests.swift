@testable import QrewQueue
import Testing

/// The plain byte search behind spec templates and `--wait`'s batch filter.
struct ByteSearchTests {
    @Test func findsTheFirstOccurrenceByBytesInArraysSlicesAndBuffers() {
        let bytes = Array("ab\"run_finished\"ab\"run_finished\"".utf8)
        #expect(bytes.firstIndex(ofBytes: "\"run_finished\"".utf8) == 2)
        #expect(bytes.firstIndex(ofBytes: "ab".utf8) == 0)
        #expect(bytes.firstIndex(ofBytes: "ed\"".utf8) == 13)
        #expect(bytes.firstIndex(ofBytes: "run_started".utf8) == nil)
        #expect(bytes.firstIndex(ofBytes: [UInt8]()) == nil)
        #expect(Array("ab".utf8).firstIndex(ofBytes: "abc".utf8) == nil)
        // Candidates whose first bytes match and whose rest does not are passed over.
        #expect(Array("\"t\"tas\"task\"".utf8).firstIndex(ofBytes: "\"task\"".utf8) == 6)
        #expect(Array("\"t\"tas\"tasl\"".utf8).firstIndex(ofBytes: "\"task\"".utf8) == nil)
        // A slice keeps its parent's indices.
        #expect(bytes[3...].firstIndex(ofBytes: "ab".utf8) == 16)
        // Bytes, not characters: "é" as two scalars is not "é" as one.
        let decomposed = Array("e\u{301}".utf8)
        #expect(decomposed.firstIndex(ofBytes: "\u{E9}".utf8) == nil)
        #expect(decomposed.withUnsafeBufferPointer { $0.firstIndex(ofBytes: [0xCC, 0x81]) } == 1)
    }
}
