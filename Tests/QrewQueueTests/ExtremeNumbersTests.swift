import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// Numbers at every extreme that reach Redis without validation (a client of the protocol, an
/// older coordinator) go through store → claim → complete without an error and in a sane order:
/// the scripts clamp scores and compare attempts and deadlines in doubles.
@Suite("extreme numbers through the scripts")
struct ExtremeNumbersTests {
    static let extremes = [Int.min, -1, 0, Int.max]

    @Test func extremePrioritiesAttemptsAndDeadlinesStoreClaimAndComplete() async throws {
        try await withQueue { q throws in
            var tasks: [TaskRecord] = []
            for (index, value) in Self.extremes.enumerated() {
                tasks.append(task("p\(index)", priority: value, maxAttempts: value))
            }
            try await q.submit("r1", tasks, fields: ["timeoutMs": String(Int.max), "retention": String(Int.max)])
            let claimed = try await q.claimExactly(4, lease: .milliseconds(Int.max / 1_000_000_000))
            // Clamped scores keep their order: Int.max first, Int.min last.
            #expect(claimed.map(\.ref.taskID) == ["p3", "p2", "p1", "p0"])
            for item in claimed {
                #expect(try await q.fail(item, retryDelay: .seconds(1)))
            }
            // maxAttempts Int.max leaves attempts: that task waits to retry; the others ended failed.
            #expect(try await q.state("r1", "p3") == "ready")
            for id in ["p0", "p1", "p2"] { #expect(try await q.state("r1", id) == "failed") }
            q.clock.advance(by: .seconds(2))
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            let again = try await q.claimExactly(1)
            #expect(try await q.succeed(again[0]))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            _ = try await q.queue.expireRuns(fence: q.fence)
        }
    }

    @Test func extremeLeasesAndClockOffsetsDoNotBreakReaping() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 3), task("b")])
            _ = try await q.claimExactly(1, lease: .zero)
            _ = try await q.claimExactly(1, lease: .milliseconds(-1))
            #expect(try await q.queue.reapLeases(fence: q.fence).count == 2)
            q.clock.advance(by: .seconds(Int64(Int32.max)))
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            #expect(try await q.queue.reapLeases(fence: q.fence).isEmpty)
        }
    }
}
