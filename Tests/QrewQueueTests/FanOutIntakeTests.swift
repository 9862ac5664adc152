import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// A dynamic fan-out as the coordinator stores and expands it (`RunIntake`, `expandFanOut`), on a
/// real redis-server: the placeholder's record, limits, and a leader that dies mid-expansion.
@Suite("dynamic fan-out intake and expansion")
struct FanOutIntakeTests {
    static let workflow = """
    name: fan
    parallel: { maxConcurrency: 10 }
    steps:
      - id: list
        run: [echo]
      - id: fan
        matrix: { item: "${{ fromJSON(steps.list.output) }}" }
        run: [echo, "${{ matrix.item }}", "${{ steps.list.output }}"]
        maxConcurrency: 1
      - id: after
        run: [echo, "${{ steps.fan.outputs }}"]
    """

    func submit(_ q: QueueFixture, limits: ValidationLimits = .default) async throws {
        let prepared = try RunIntake(limits: limits).prepare(runID: "r1", text: Self.workflow, fileName: "fan.yaml", params: [:])
        let placeholder = try #require(prepared.record.tasks.first { $0.id == "fan" })
        #expect(placeholder.queue == QueueClient.fanOutQueue)
        #expect(placeholder.limits.isEmpty)
        #expect(placeholder.refs == ["list"])
        #expect(placeholder.fields["fanOut"] != nil)
        #expect(try await q.queue.submitRun(prepared.record, fence: q.fence).created)
    }

    func claimPlaceholder(_ q: QueueFixture, lease: Duration = .seconds(30)) async throws -> ClaimedTask? {
        try await q.queue.claim(worker: "coordinator:c1", lease: lease, max: 10, queues: [QueueClient.fanOutQueue]).first
    }

    @Test func tasksAreRenderedPerElementAndTakeTheStepsSlots() async throws {
        try await withQueue { q throws in
            try await submit(q)
            try await q.succeed(try #require(try await q.claim(1).first), output: #"["a", {"k": 1}]"#)
            try await q.applyAll()
            let placeholder = try #require(try await claimPlaceholder(q))
            let (outcome, tasks) = try await q.queue.expandFanOut(placeholder, limit: 256, fence: q.fence)
            #expect(outcome == .expanded && tasks == 2)
            // maxConcurrency: 1 holds for the expanded tasks.
            let first = try await q.claimExactly(1)
            #expect(try await q.claim(1).isEmpty)
            let spec = try TaskSpec(jsonText: first[0].spec)
            #expect(spec.taskID == "fan[0]")
            #expect(spec.run == ["echo", "a", "${{ steps.list.output }}"])
            #expect(first[0].outputs["list"] == #"["a", {"k": 1}]"#)
            try await q.succeed(first[0], output: "A")
            try await q.applyAll()
            let second = try await q.claimExactly(1)
            #expect(try TaskSpec(jsonText: second[0].spec).run[1] == #"{"k":1}"#)
        }
    }

    @Test func aListOverTheLimitFailsTheStep() async throws {
        try await withQueue { q throws in
            try await submit(q, limits: ValidationLimits(maxMatrixTasksPerStep: 2))
            try await q.succeed(try #require(try await q.claim(1).first), output: "[1,2,3]")
            try await q.applyAll()
            let placeholder = try #require(try await claimPlaceholder(q))
            #expect(try await q.queue.expandFanOut(placeholder, limit: 2, fence: q.fence) == (.failed, 0))
            let error = try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "fan"))), "error").string
            #expect(error?.contains("3 elements, more than the limit of 2") == true, "\(error ?? "")")
            #expect(try await q.state("r1", "after") == "skipped")
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }

    /// A leader that claimed the placeholder and died: the lease expires, the reaper queues the
    /// placeholder again, the next leader expands it once, and the dead one's token is stale.
    @Test func aPlaceholderWhoseLeaderDiedIsExpandedOnceByTheNext() async throws {
        try await withQueue { q throws in
            try await submit(q)
            try await q.succeed(try #require(try await q.claim(1).first), output: #"["a","b"]"#)
            try await q.applyAll()
            let lost = try #require(try await claimPlaceholder(q, lease: .seconds(5)))
            q.clock.advance(by: .seconds(6))
            #expect(try await q.queue.reapLeases(fence: q.fence) == ["r1/fan"])
            q.clock.advance(by: .seconds(2))
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            let again = try #require(try await claimPlaceholder(q))
            #expect(again.attempt == 2)
            #expect(try await q.queue.expandFanOut(again, limit: 256, fence: q.fence) == (.expanded, 2))
            #expect(try await q.queue.expandFanOut(lost, limit: 256, fence: q.fence).0 == .stale)
            #expect(try await q.runField("r1", "total") == "5")
            let firstChild = try await q.claim(10)
            #expect(firstChild.map(\.ref.taskID) == ["fan[0]"], "maxConcurrency 1: one task at a time")
            try await q.succeed(try #require(firstChild.first), output: "x")
            try await q.applyAll()
            let secondChild = try await q.claim(10)
            #expect(secondChild.map(\.ref.taskID) == ["fan[1]"])
            try await q.succeed(try #require(secondChild.first), output: "y")
            try await q.applyAll()
            #expect(try await q.state("r1", "fan") == "succeeded")
            #expect(try await q.runField("r1", "total") == "5")
            try await q.succeed(try await q.claimExactly(1)[0])
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }
}
