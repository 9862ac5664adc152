import QrewCore
import QrewQueue
import QrewRedis
import Testing

@Suite("run reads")
struct RunReadsTests {
    @Test func runFieldsReadsTheRunHashAndNilForAnUnknownRun() async throws {
        try await withQueue { q throws in
            #expect(try await q.queue.runFields("r1") == nil)
            try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"])], fields: ["name": "flow"])
            let fields = try #require(try await q.queue.runFields("r1"))
            #expect(fields["id"] == "r1")
            #expect(fields["name"] == "flow")
            #expect(fields["state"] == "queued")
            #expect(fields["total"] == "2")
            #expect(fields["pending"] == "2")
        }
    }
}
