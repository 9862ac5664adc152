import QrewQueue
import Testing

/// A run's outcome stream (`<run>:outcome`): what `qctl ... --wait` reads instead of the run's
/// events. It gets each `run_finished` under the id of the progress-stream entry holding it,
/// expires with the run and is kept through a retry.
@Suite("run outcome stream")
struct RunOutcomeStreamTests {
    @Test func theEndOfARunIsAloneInItsOutcomeStreamUnderItsEventsEntryID() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b"), task("c")], fields: ["retention": "60000"])
            let claimed = try await q.claimExactly(3)
            #expect(try await q.queue.runFinished("r1", after: "0") == nil)
            #expect(try await q.queue.followRunFinished("r1", after: "0", block: .milliseconds(50)) == nil)

            for task in claimed { try await q.succeed(task) }
            let finished = try #require(try await q.queue.runFinished("r1", after: "0"))
            #expect(finished.fields["type"] == "run_finished")
            #expect(finished.fields["state"] == "succeeded")
            let events = try await q.queue.runEvents("r1")
            let last = try #require(events.last)
            #expect(last.fields["type"] == "run_finished" && last.id == finished.id)
            #expect(try await q.redis.send("XLEN", .string(q.queue.keys.runOutcome("r1"))).int == 1)
            // Positions are shared with the progress stream.
            #expect(try await q.queue.runFinished("r1", after: last.id) == nil)
            let beforeEnd = try #require(events.last { $0.id != last.id })
            #expect(try await q.queue.runFinished("r1", after: beforeEnd.id)?.id == finished.id)
            #expect(try await q.queue.followRunFinished("r1", after: "0", block: .milliseconds(50))?.id == finished.id)
            // It expires with the run.
            let ttl = try #require(try await q.redis.send("PTTL", .string(q.queue.keys.runOutcome("r1"))).int)
            #expect(ttl > 0 && ttl <= 60000)
        }
    }

    @Test func aRetriedRunKeepsItsOutcomeStreamAndAddsItsNextEnd() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")], fields: ["retention": "60000"])
            let first = try await q.claimExactly(1)
            #expect(try await q.fail(first[0]))
            let failed = try #require(try await q.queue.runFinished("r1", after: "0"))
            #expect(failed.fields["state"] == "failed")

            guard case .retried = try await q.queue.retryRun("r1", fresh: false) else {
                Issue.record("the failed run was not retried")
                return
            }
            #expect(try await q.redis.send("PTTL", .string(q.queue.keys.runOutcome("r1"))).int == -1)
            #expect(try await q.queue.runFinished("r1", after: failed.id) == nil)
            let again = try await q.claimExactly(1)
            try await q.succeed(again[0])
            let succeeded = try #require(try await q.queue.runFinished("r1", after: failed.id))
            #expect(succeeded.fields["state"] == "succeeded")
            #expect(succeeded.id > failed.id)
        }
    }

    @Test func aRejectedSubmissionEndsInItsOutcomeStream() async throws {
        try await withQueue { q throws in
            #expect(try await q.queue.rejectRun(runID: "bad", name: "w", error: "steps: missing", fence: q.fence, retention: .seconds(60)))
            let finished = try #require(try await q.queue.runFinished("bad", after: "0"))
            #expect(finished.fields["state"] == "failed")
            #expect(finished.fields["error"] == "steps: missing")
            #expect(finished.id == (try await q.queue.runEvents("bad").last?.id))
            let ttl = try #require(try await q.redis.send("PTTL", .string(q.queue.keys.runOutcome("bad"))).int)
            #expect(ttl > 0 && ttl <= 60000)
        }
    }
}
