import QrewCore
import QrewQueue
import QrewRedis
import Testing

@Suite("complete and promote_delayed")
struct CompleteTests {
    @Test func aStaleTokenIsRefused() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            let a = try #require(try await q.claim(1).first)
            let forged = ClaimedTask(ref: a.ref, token: "999999", attempt: 1, spec: a.spec, outputs: [:])
            #expect(try await q.succeed(forged) == false)
            #expect(try await q.state("r1", "a") == "running")
            #expect(try await q.succeed(a))
            #expect(try await q.succeed(a) == false)
        }
    }

    @Test func aFinalResultIsRecordedWithOneEvent() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            let a = try #require(try await q.claim(1).first)
            _ = try await q.queue.complete(a, outcome: .timedOut, exitCode: nil, output: "partial", error: "timed out after 2s", retryDelay: nil)
            #expect(try await q.state("r1", "a") == "timed_out")
            #expect(try await q.redis.send("XLEN", .string(q.queue.keys.events)).int == 1)
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.leases)).int == 0)
        }
    }

    @Test func aRetryableFailureWaitsOutItsBackoff() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 3)])
            let first = try #require(try await q.claim(1).first)
            #expect(try await q.fail(first, retryDelay: .seconds(30)))
            #expect(try await q.state("r1", "a") == "ready")
            #expect(try await q.redis.send("XLEN", .string(q.queue.keys.events)).int == 0)

            let early = try await q.queue.promoteDelayed(fence: q.fence)
            #expect(early.promoted == 0)
            // Redis's clock moved on between the two calls (seconds, on a loaded machine).
            #expect(early.nextDue.map { $0 > .seconds(20) && $0 <= .seconds(30) } == true, "\(String(describing: early.nextDue))")
            #expect(try await q.claim(1).isEmpty)

            q.clock.advance(by: .seconds(30))
            #expect(try await q.queue.promoteDelayed(fence: q.fence).promoted == 1)
            let second = try #require(try await q.claim(1).first)
            #expect(second.attempt == 2)
            #expect(second.token != first.token)
        }
    }

    @Test func theLastAttemptsFailureIsFinal() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2)])
            try await q.fail(try #require(try await q.claim(1).first), retryDelay: .zero)
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            try await q.fail(try #require(try await q.claim(1).first), retryDelay: .zero)
            #expect(try await q.state("r1", "a") == "failed")
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }
}
