import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `claim` hands the run's trace to the worker with each task (from the run hash read it makes
/// anyway) and puts it in task_started; `complete` stores the attempt's span id.
@Suite("claim and complete with a run trace")
struct ClaimTraceTests {
    @Test func aTracedRunsTaskComesWithItsTraceAndAFreshSpanThatCompleteStores() async throws {
        try await withQueue { q throws in
            let trace = try RunTrace(parent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
            try await q.submit("r1", [task("a", maxAttempts: 2), task("b")], fields: trace.runFields)
            // One per call, so each task_started is a stream entry of its own (not a batch).
            let claimed = try await q.claimExactly(1) + q.claimExactly(1)
            for task in claimed {
                #expect(task.trace == trace)
                let span = try #require(task.spanID)
                #expect(task.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(span)-01")
            }
            #expect(claimed[0].spanID != claimed[1].spanID)
            let events = try await q.redis.send("XRANGE", .string(q.queue.keys.runEvents("r1")), "-", "+")
            let started = (events.array ?? []).compactMap { $0.array?.last?.array?.compactMap(\.string) }
                .filter { $0.contains("task_started") }
            #expect(started.count == 2)
            #expect(started.allSatisfy { fields in fields.firstIndex(of: "traceId").map { fields[$0 + 1] } == trace.traceID })

            let a = try #require(claimed.first { $0.ref.taskID == "a" })
            try await q.fail(a, retryDelay: .milliseconds(1))
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(a.ref)), "spanId").string == a.spanID)
            let b = try #require(claimed.first { $0.ref.taskID == "b" })
            try await q.succeed(b)
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(b.ref)), "spanId").string == b.spanID)
        }
    }

    @Test func aRunWithoutATraceClaimsAsBefore() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            let a = try #require(try await q.claim(1).first)
            #expect(a.trace == nil && a.spanID == nil && a.traceparent == nil)
            try await q.succeed(a)
            // A first attempt without a span id writes none (a missing field reads as empty).
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(a.ref)), "spanId").string == nil)
        }
    }
}
