import QrewQueue
@testable import QrewWeb
import Testing

/// The pure parts of qrew-web: SSE positions and the token comparison.
struct WebUnitTests {
    @Test func eventIDsParseIntoPositions() {
        #expect(RunEventStream.Position(eventID: "1700000000000-0") == .init(entry: "1700000000000-0", skip: 0))
        #expect(RunEventStream.Position(eventID: "1700000000000-3/2") == .init(entry: "1700000000000-3", skip: 3))
        for bad in ["", "0", "abc", "1-", "-1", "1-2/", "1-2/x", "1-2/3/4", "1-2-3", "99999999999999999999999-1", "1-2/-1"] {
            #expect(RunEventStream.Position(eventID: bad) == nil, "\(bad)")
        }
    }

    @Test func theEntryBeforeStartsAnExclusiveReadAtTheEntry() {
        #expect(RunEventStream.Position(entry: "5-3", skip: 1).entryBefore == "5-2")
        #expect(RunEventStream.Position(entry: "5-0", skip: 1).entryBefore == "4-18446744073709551615")
        #expect(RunEventStream.Position(entry: "0-0", skip: 1).entryBefore == "0")
    }

    @Test func tokensCompareWholly() {
        let token = Array("s3cret-token-0123456789".utf8)
        #expect(WriteAccess.constantTimeEqual(token, token))
        #expect(!WriteAccess.constantTimeEqual(Array("s3cret-token-012345678".utf8), token))
        #expect(!WriteAccess.constantTimeEqual(Array("s3cret-token-01234567890".utf8), token))
        #expect(!WriteAccess.constantTimeEqual(Array("x3cret-token-0123456789".utf8), token))
        #expect(!WriteAccess.constantTimeEqual([], token))
        #expect(!WriteAccess.constantTimeEqual([], []))
    }

    @Test func eventsAreFormattedAsOneDataLine() {
        let text = RunEventStream.format(.init(id: "1-0", fields: ["type": "output", "lines": "a\nb"]), id: "1-0/0")
        #expect(text == "id: 1-0/0\ndata: {\"id\":\"1-0/0\",\"lines\":\"a\\nb\",\"type\":\"output\"}\n\n")
    }
}
