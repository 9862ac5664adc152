import QrewQueue
import QrewRedis
import Testing

/// `submit_idempotent` on a real redis-server: one key queues one submission within its
/// retention window, whatever the run id of a repeated call; after the window it queues again.
@Suite("idempotent submissions")
struct IdempotentSubmitTests {
    private func submissions(_ q: QueueFixture) async throws -> [String] {
        let entries = try await q.redis.send("XRANGE", .string(q.queue.keys.submissions), "-", "+").array ?? []
        return entries.compactMap { entry in
            let fields = entry.array?.last?.array?.compactMap(\.string) ?? []
            return stride(from: 0, to: fields.count - 1, by: 2).first { fields[$0] == "run" }.map { fields[$0 + 1] }
        }
    }

    private func submit(_ q: QueueFixture, key: String, run: String, retention: Duration = .seconds(60)) async throws
        -> QueueClient.IdempotentSubmission
    {
        try await q.queue.enqueueIdempotentSubmission(
            key: key, retention: retention, runID: run, fileName: "w.yaml", workflow: "name: w", params: ["a": "1"])
    }

    @Test func aRepeatedKeyReturnsTheFirstRunAndQueuesNothing() async throws {
        try await withQueue { q throws in
            #expect(try await submit(q, key: "order-7", run: "r1") == .queued(runID: "r1"))
            #expect(try await submit(q, key: "order-7", run: "r2") == .existing(runID: "r1"))
            #expect(try await submit(q, key: "order-8", run: "r3") == .queued(runID: "r3"))
            #expect(try await submissions(q) == ["r1", "r3"])
        }
    }

    @Test func concurrentCallsWithOneKeyQueueOneSubmission() async throws {
        try await withQueue { q throws in
            let outcomes = try await withThrowingTaskGroup(of: QueueClient.IdempotentSubmission.self) { group in
                for index in 0..<8 { group.addTask { try await submit(q, key: "k", run: "r\(index)") } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let queued = outcomes.filter { if case .queued = $0 { true } else { false } }
            #expect(queued.count == 1)
            #expect(Set(outcomes.map(\.runID)).count == 1)
            #expect(try await submissions(q).count == 1)
        }
    }

    @Test func theKeyIsForgottenAfterItsRetention() async throws {
        try await withQueue { q throws in
            // 5 s: long enough that the key is still there when read on a loaded machine (CI saw a
            // stall of over 2 s between two calls).
            #expect(try await submit(q, key: "k", run: "r1", retention: .seconds(5)) == .queued(runID: "r1"))
            let ttl = try await q.redis.send("PTTL", .string("qt:idempotency:k")).int ?? -1
            #expect(ttl > 0 && ttl <= 5000)
            var outcome = try await submit(q, key: "k", run: "r2", retention: .seconds(5))
            let deadline = ContinuousClock.now + .seconds(20)
            while outcome != .queued(runID: "r2"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                outcome = try await submit(q, key: "k", run: "r2", retention: .seconds(5))
            }
            #expect(outcome == .queued(runID: "r2"))
            #expect(try await submissions(q) == ["r1", "r2"])
        }
    }
}
