import QrewQueue
import QrewRedis
import Testing

/// `submit_run` with a run's `concurrencyGroup`: with `cancelInProgress` a new run cancels the
/// group's unfinished run; without it, or when the previous run finished, nothing is canceled.
@Suite("concurrency groups")
struct ConcurrencyGroupTests {
    private func fields(_ group: String, cancel: Bool) -> [String: String] {
        cancel ? ["concurrencyGroup": group, "cancelInProgress": "true"] : ["concurrencyGroup": group]
    }

    @Test func aNewRunCancelsTheGroupsRunningRun() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")], fields: fields("deploy", cancel: true))
            _ = try await q.claimExactly(1)
            try await q.submit("other", [task("a")], fields: fields("elsewhere", cancel: true))
            try await q.submit("r2", [task("a")], fields: fields("deploy", cancel: true))
            #expect(try await q.runField("r1", "state") == "canceling")
            #expect(try await q.runField("r1", "cancelReason")?.contains("run r2 started") == true)
            #expect(try await q.runField("other", "state") == "queued")
            #expect(try await q.runField("r2", "state") == "queued")
            #expect(try await q.redis.send("GET", "qt:group:deploy").string == "r2")
        }
    }

    @Test func withoutCancelInProgressOrAfterTheRunEndedNothingIsCanceled() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")], fields: fields("g", cancel: false))
            try await q.submit("r2", [task("a")], fields: fields("g", cancel: false))
            #expect(try await q.runField("r1", "state") == "queued")
            for claimed in try await q.claimExactly(2) { try await q.succeed(claimed) }
            try await q.applyAll()
            try await q.submit("r3", [task("a")], fields: fields("g", cancel: true))
            #expect(try await q.runField("r2", "state") == "succeeded")
            #expect(try await q.runField("r2", "cancelReason") == nil)
        }
    }
}
