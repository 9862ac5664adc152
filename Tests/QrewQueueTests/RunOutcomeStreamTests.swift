import QrewQueue
import Testing

/// A run's outcome stream (`<run>:outcome`): what `qctl ... --wait` blocks on instead of reading
/// the run's events. It holds the run's last `run_finished` under the id of the progress-stream
/// entry holding it, and lives a minute after it (a later waiter reads the run hash).
@Suite("run outcome stream")
struct RunOutcomeStreamTests {
    /// The entries of the run's outcome stream after `after`.
    private static func outcomes(_ q: QueueFixture, _ run: String, after: String = "0") async throws -> [StreamEntry] {
        let reply = try await q.redis.send("XRANGE", .string(q.queue.keys.runOutcome(run)), after == "0" ? "-" : .string("(\(after)"), "+")
        return try StreamEntry.parseEntries(reply, operation: "XRANGE")
    }

    private static func outcomeTTL(_ q: QueueFixture, _ run: String) async throws -> Int {
        try #require(try await q.redis.send("PTTL", .string(q.queue.keys.runOutcome(run))).int)
    }

    @Test func theEndOfARunIsAloneInItsOutcomeStreamUnderItsEventsEntryID() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b"), task("c")], fields: ["retention": "600000"])
            let claimed = try await q.claimExactly(3)
            #expect(try await Self.outcomes(q, "r1").isEmpty)
            #expect(try await q.queue.followRunFinished("r1", after: "0", block: .milliseconds(50)) == nil)

            for task in claimed { try await q.succeed(task) }
            let entries = try await Self.outcomes(q, "r1")
            let finished = try #require(entries.first)
            #expect(entries.count == 1)
            #expect(finished.fields["type"] == "run_finished" && finished.fields["state"] == "succeeded")
            let events = try await q.queue.runEvents("r1")
            let last = try #require(events.last)
            #expect(last.fields["type"] == "run_finished" && last.id == finished.id)
            // Positions are shared with the progress stream.
            #expect(try await q.queue.followRunFinished("r1", after: last.id, block: .milliseconds(50)) == nil)
            let beforeEnd = try #require(events.last { $0.id != last.id })
            #expect(try await q.queue.followRunFinished("r1", after: beforeEnd.id, block: .milliseconds(50))?.id == finished.id)
            // A minute to live, not the run's retention.
            let ttl = try await Self.outcomeTTL(q, "r1")
            #expect(ttl > 0 && ttl <= 60000)
        }
    }

    @Test func aRetriedRunsNextEndComesAfterItsFirst() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")], fields: ["retention": "600000"])
            let first = try await q.claimExactly(1)
            #expect(try await q.fail(first[0]))
            let failed = try #require(try await Self.outcomes(q, "r1").first)
            #expect(failed.fields["state"] == "failed")

            guard case .retried = try await q.queue.retryRun("r1", fresh: false) else {
                Issue.record("the failed run was not retried")
                return
            }
            #expect(try await Self.outcomes(q, "r1", after: failed.id).isEmpty)
            let again = try await q.claimExactly(1)
            try await q.succeed(again[0])
            let succeeded = try #require(try await q.queue.followRunFinished("r1", after: failed.id, block: .milliseconds(50)))
            #expect(succeeded.fields["state"] == "succeeded")
            #expect(succeeded.id > failed.id)
            #expect(try await Self.outcomes(q, "r1").map(\.id) == [succeeded.id])
        }
    }

    /// An end whose id is not above the outcome stream's last one (a run id used again once its
    /// keys expired, within the outcome's minute; a clock stepped back) still ends the run.
    @Test func anOutcomeStreamLeftAheadDoesNotStopARunFromEnding() async throws {
        try await withQueue { q throws in
            _ = try await q.redis.send("XADD", .string(q.queue.keys.runOutcome("r1")), "99999999999999-0", "type", "run_finished")
            try await q.submit("r1", [task("a")], fields: ["retention": "600000"])
            let claimed = try await q.claimExactly(1)
            try await q.succeed(claimed[0])
            #expect(try await q.runField("r1", "state") == "succeeded")
            let entries = try await Self.outcomes(q, "r1")
            #expect(entries.map { $0.fields["state"] } == ["succeeded"])
            #expect(entries.first?.id == (try await q.queue.runEvents("r1").last?.id))
        }
    }

    /// A run kept for less than a minute takes its outcome stream with it (a soak with a short
    /// retention stays flat).
    @Test func theOutcomeStreamLivesNoLongerThanTheRun() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")], fields: ["retention": "2000"])
            try await q.succeed(try await q.claimExactly(1)[0])
            let ttl = try await Self.outcomeTTL(q, "r1")
            #expect(ttl > 0 && ttl <= 2000)
            #expect(try await q.queue.rejectRun(runID: "bad", name: "w", error: "x", fence: q.fence, retention: .seconds(2)))
            let rejected = try await Self.outcomeTTL(q, "bad")
            #expect(rejected > 0 && rejected <= 2000)
        }
    }

    @Test func aRejectedSubmissionEndsInItsOutcomeStream() async throws {
        try await withQueue { q throws in
            #expect(try await q.queue.rejectRun(runID: "bad", name: "w", error: "steps: missing", fence: q.fence, retention: .seconds(600)))
            let finished = try #require(try await Self.outcomes(q, "bad").first)
            #expect(finished.fields["state"] == "failed")
            #expect(finished.fields["error"] == "steps: missing")
            #expect(finished.id == (try await q.queue.runEvents("bad").last?.id))
            let ttl = try await Self.outcomeTTL(q, "bad")
            #expect(ttl > 0 && ttl <= 60000)
        }
    }
}
