import QrewQueue
import QrewRedis
import Testing

/// The coordinators' stream read that acknowledges the last batch in the same write.
@Suite("acknowledge with the next read")
struct AcknowledgeWithReadTests {
    @Test func handledEntriesAreAcknowledgedAndDeletedBeforeTheNextBatchIsRead() async throws {
        try await withQueue { q throws in
            let stream = q.queue.keys.submissions
            try await q.queue.ensureCoordinatorGroup(on: stream)
            for run in ["r1", "r2"] {
                _ = try await q.queue.enqueueSubmission(runID: run, fileName: "f.yaml", workflow: "name: x", params: [:])
            }
            let first = try await q.queue.blockingSession { session throws(QueueError) in
                try session.readNew(stream: stream, consumer: "c1", count: 16, block: .milliseconds(50))
            }
            try #require(first.map { $0.fields["run"] } == ["r1", "r2"])
            _ = try await q.queue.enqueueSubmission(runID: "r3", fileName: "f.yaml", workflow: "name: x", params: [:])

            let second = try await q.queue.blockingSession { session throws(QueueError) in
                try session.readNew(stream: stream, consumer: "c1", count: 16, block: .milliseconds(50), acknowledging: first.map(\.id))
            }
            #expect(second.map { $0.fields["run"] } == ["r3"])
            #expect(try await q.redis.send("XLEN", .string(stream)).int == 1, "r1 and r2 are deleted, r3 is left")
            let pending = try await q.redis.send("XPENDING", .string(stream), .string(QueueClient.coordinatorGroup)).array
            #expect(pending?.first?.int == 1, "only r3 is pending: \(String(describing: pending))")
        }
    }

    @Test func anEmptyReadStillAcknowledgesWhatWasHandled() async throws {
        try await withQueue { q throws in
            let stream = q.queue.keys.submissions
            try await q.queue.ensureCoordinatorGroup(on: stream)
            _ = try await q.queue.enqueueSubmission(runID: "r1", fileName: "f.yaml", workflow: "name: x", params: [:])
            let first = try await q.queue.blockingSession { session throws(QueueError) in
                try session.readNew(stream: stream, consumer: "c1", count: 16, block: .milliseconds(50))
            }
            try #require(first.count == 1)
            let second = try await q.queue.blockingSession { session throws(QueueError) in
                try session.readNew(stream: stream, consumer: "c1", count: 16, block: .milliseconds(20), acknowledging: first.map(\.id))
            }
            #expect(second.isEmpty)
            #expect(try await q.redis.send("XLEN", .string(stream)).int == 0)
            let pending = try await q.redis.send("XPENDING", .string(stream), .string(QueueClient.coordinatorGroup)).array
            #expect(pending?.first?.int == 0)
        }
    }
}
