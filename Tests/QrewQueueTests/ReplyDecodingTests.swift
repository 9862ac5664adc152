import QrewQueue
import QrewRedis
import Testing

/// The queue's reply decoders on replies no script writes (no Redis needed): the fuzz target
/// `resp` feeds them any bytes; the cases here are what it found.
struct ReplyDecodingTests {
    /// Found by the resp fuzz target: a worker registry score beyond `Int` (`2.1e71`, `inf`)
    /// trapped in `Int(_: Double)` (`qctl workers`); such a member is now left out.
    @Test func workerScoresThatAreNoTimeAreLeftOut() {
        let reply = RedisReply.array([
            .bulk(Array("w1".utf8)), .bulk(Array("1700000000000".utf8)), .bulk(Array("w2".utf8)), .bulk(Array(".21e71".utf8)),
            .bulk(Array("w3".utf8)), .bulk(Array("inf".utf8)), .bulk(Array("w4".utf8)), .bulk(Array("nan".utf8)),
        ])
        let seen = QueueClient.heartbeats(reply)
        #expect(seen.map(\.name) == ["w1"])
        #expect(seen.map(\.lastSeen) == [1_700_000_000_000])
    }

    /// The first `/` byte separates a ref's run from its task, as `split_ref` in the scripts does;
    /// task ids may hold more slashes and any text.
    @Test(arguments: [
        ("r1/a", "r1", "a"), ("r1/a/b", "r1", "a/b"), ("r1/deploy[region=é,path=a/b]", "r1", "deploy[region=é,path=a/b]"),
        ("r1//x", "r1", "/x"), ("r1/\u{301}", "r1", "\u{301}"),
    ])
    func refsSplitAtTheirFirstSlash(text: String, run: String, task: String) throws {
        let ref = try #require(TaskRef(text))
        #expect(ref.runID == run && ref.taskID == task)
        #expect(ref.description == text)
    }

    @Test(arguments: ["", "r1", "/a", "r1/", "/"])
    func textsThatAreNoRefs(text: String) {
        #expect(TaskRef(text) == nil)
    }

    @Test func repliesParsedFromRESPReadLikeAConnectionReadsThem() throws {
        let bytes = Array("*2\r\n$3\r\nabc\r\n:-7\r\n+OK\r\n$-1\r\n*1\r\n$2\r\nxy".utf8)
        #expect(try RedisReply.replies(parsingRESP: bytes) == [
            .array([.bulk(Array("abc".utf8)), .integer(-7)]), .status("OK"), .null,
        ])
        #expect(throws: RedisError.self) { try RedisReply.replies(parsingRESP: Array("?\r\n".utf8)) }
    }
}
