import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// What a service reads from Redis without having written it in the same call cannot take it
/// down: every such JSON text goes through `FoundationJSON`, so a text Foundation traps on,
/// stored where each reader looks, is refused as unreadable (the reader goes on); a sorted-set
/// score that is no time is read as none.
@Suite("hostile stored texts")
struct HostileStoredTextTests {
    static let trap = FoundationTrap.text

    @Test func aDeadLetterEntryIsSkipped() async throws {
        try await withQueue { q throws in
            _ = try await q.redis.send("LPUSH", .string(q.queue.keys.deadLetters), .string(Self.trap))
            #expect(try await q.queue.deadLetters().isEmpty)
        }
    }

    @Test func aRequestReplyIsAnUnexpectedReply() async throws {
        try await withQueue { q throws in
            _ = try await q.redis.send("SET", .string(q.queue.keys.requestReply("1-0")), .string(Self.trap))
            await #expect(throws: QueueError.self) { try await q.queue.requestReply("1-0") }
        }
    }

    @Test func aWorkersInfoLeavesThatWorkerOutOfQctlWhy() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            _ = try await q.queue.heartbeat(worker: "w1", lease: .seconds(30), info: Self.trap, holding: [])
            _ = try await q.queue.heartbeat(worker: "w2", lease: .seconds(30), info: #"{"queues":["default"],"slots":2}"#, holding: [])
            let facts = try #require(try await q.queue.waitFacts("r1", liveWithin: .seconds(60)))
            #expect(facts.queues["default"]?.workers == ["w2"])
        }
    }

    @Test func aFanOutPlanFailsThePlaceholder() async throws {
        try await withQueue { q throws in
            let fanOut = ExpandTaskTests()
            try await fanOut.submitFanOut(q)
            let placeholder = try await fanOut.claimPlaceholder(q, listOutput: #"["a","b"]"#)
            _ = try await q.redis.send("HSET", .string(q.queue.keys.task(placeholder.ref)), "fanOut", .string(Self.trap))
            let (outcome, tasks) = try await q.queue.expandFanOut(placeholder, limit: 100, fence: q.fence)
            #expect(outcome == .failed && tasks == 0)
            #expect(try await q.state("r1", "fan") == "failed")
        }
    }

    @Test func aChildWorkflowFailsTheStep() async throws {
        try await withQueue { q throws in
            let parent = ChildWorkflowScriptTests()
            let step = try await parent.claimDeploy(q)
            _ = try await q.redis.send("HSET", .string(q.queue.keys.run("p")), "childWorkflow:deploy", .string(Self.trap))
            let (outcome, _) = try await q.queue.startChildWorkflow(step, intake: parent.intake, fence: q.fence)
            #expect(outcome == .failed)
            #expect(try await q.state("p", "deploy") == "failed")
        }
    }

    /// The runs index of `qctl runs` and `GET /api/runs`: a score that is no time in ms.
    @Test func aRunIndexScoreThatIsNoTimeReadsAsZero() async throws {
        try await withQueue { q throws in
            for (score, run) in [("inf", "r-inf"), ("-inf", "r-neg"), ("1e300", "r-huge"), ("1700000000000", "r-ok")] {
                _ = try await q.redis.send("ZADD", .string(q.queue.keys.runs), .string(score), .string(run))
                _ = try await q.redis.send("HSET", .string(q.queue.keys.run(run)), "state", "succeeded")
            }
            let page = try await q.queue.runPage(after: nil, limit: 10)
            #expect(page.runs.map(\.id) == ["r-inf", "r-huge", "r-ok", "r-neg"])
        }
    }
}
