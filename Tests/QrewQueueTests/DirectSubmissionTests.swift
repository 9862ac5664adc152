import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// A producer that stores its runs itself (`QueueSession.submitDirectly`): no leader fence, the
/// same run as the coordinator's intake stores, and the same guards (docs/protocol.md, `submit_run`).
@Suite("direct submission")
struct DirectSubmissionTests {
    static let workflow = """
        name: direct
        steps:
          - id: fetch
            run: [echo, fetched]
          - id: report
            dependsOn: [fetch]
            run: [echo, "${{ steps.fetch.output }}"]
        """

    @Test func aSignedRunStoredDirectlyRunsToTheEndWhileAnotherCoordinatorLeads() async throws {
        try await withQueue { q throws in
            let intake = try SignedTasksTests.intake(q)
            let signer = try #require(intake.signer)
            let prepared = try intake.prepare(runID: "r1", text: Self.workflow, fileName: "direct.yaml", params: [:])
            let trace = RunTrace.new()
            let stored = try await q.queue.submitDirectly(prepared.record.traced(trace))
            #expect(stored.created && stored.resumedAt == nil)
            #expect(try await q.runField("r1", "state") == "queued")
            #expect(try await q.runField("r1", "traceId") == trace.traceID)
            #expect(try await q.state("r1", "report") == "waiting")

            let fetch = try #require(try await q.claimExactly(1).first)
            #expect(fetch.ref.taskID == "fetch")
            try fetch.verifySignature(with: signer)
            #expect(try await q.succeed(fetch, output: "fetched"))
            let report = try #require(try await q.claimExactly(1).first)
            try report.verifySignature(with: signer)
            #expect(try await q.succeed(report, output: "done"))
            // The run's retention came with it, so `complete` settled it in the same call.
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func aRunIsStoredDirectlyWhenNoCoordinatorLeads() async throws {
        try await withQueue { q throws in
            #expect(try await q.queue.releaseLeadership(fence: q.fence))
            let prepared = try RunIntake().prepare(runID: "r1", text: Self.workflow, fileName: "direct.yaml", params: [:])
            #expect(try await q.queue.submitDirectly(prepared.record).created)
            #expect(try await q.state("r1", "fetch") == "ready")
        }
    }

    @Test func anExistingRunIDChangesNothingWhicheverWayItCame() async throws {
        try await withQueue { q throws in
            let first = try RunIntake().prepare(runID: "r1", text: Self.workflow, fileName: "direct.yaml", params: [:])
            #expect(try await q.queue.submitDirectly(first.record).created)
            let other = RunRecord(runID: "r1", fields: [:], limits: [:], tasks: [task("x")])
            #expect(try await q.queue.submitDirectly(other).created == false)
            #expect(try await q.queue.submitRun(other, fence: q.fence).created == false)
            #expect(try await q.runField("r1", "total") == "2")
            #expect(try await q.state("r1", "x") == nil)
        }
    }

    @Test func aRunTooBigForOneCallIsRefusedWithNothingStored() async throws {
        try await withQueue { q throws in
            let tasks = (0...RunRecord.defaultSlice).map { task("t\($0)") }
            await #expect {
                try await q.queue.submitDirectly(RunRecord(runID: "big", fields: [:], limits: [:], tasks: tasks))
            } throws: { error in
                guard case .tooBigForDirectSubmission(let count, let limit) = error as? QueueError else { return false }
                return count == RunRecord.defaultSlice + 1 && limit == RunRecord.defaultSlice
                    && "\(error)".contains("submit it through the coordinators")
            }
            #expect(try await q.runField("big", "state") == nil)
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.ready(queue: "default"))).int == 0)
        }
    }
}
