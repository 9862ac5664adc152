import QrewQueue
import QrewRedis
import Testing

/// A big run is stored in slices (`submit_run`, then `store_tasks`); results, failures and
/// cancels may reach its tasks before they are stored. `callLimit` stops storing part-way, as a
/// coordinator that dies would; submitting the run again stores the rest.
@Suite("store_tasks")
struct StoreTasksTests {
    func record(_ run: String, _ tasks: [TaskRecord]) -> RunRecord {
        RunRecord(runID: run, fields: [:], limits: ["run": 100], tasks: tasks)
    }

    func earlyMembers(_ q: QueueFixture, _ run: String) async throws -> Int {
        try await q.redis.send("SCARD", .string(q.queue.keys.runEarly(run))).int ?? -1
    }

    @Test func aDependentStoredAfterItsDependencySucceededIsQueuedAsItIsStored() async throws {
        try await withQueue { q throws in
            let run = record("r1", [task("a", before: ["b"]), task("b", after: ["a"])])
            #expect(try await q.queue.submitRun(run, fence: q.fence, slice: 1, callLimit: 1).created)
            #expect(try await q.runField("r1", "stored") == "1")
            #expect(try await q.state("r1", "b") == nil)
            try await q.succeed(try #require(try await q.claim(5).first))
            try await q.applyAll()
            #expect(try await earlyMembers(q, "r1") == 1)
            #expect(try await q.runField("r1", "pending") == "1")

            let resumed = try await q.queue.submitRun(run, fence: q.fence, slice: 1)
            #expect(!resumed.created && resumed.resumedAt == 1)
            #expect(try await q.runField("r1", "stored") == "2")
            #expect(try await q.state("r1", "b") == "ready")
            #expect(try await earlyMembers(q, "r1") == 0)
            try await q.succeed(try #require(try await q.claim(5).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func aFailureSkipsDependentsThatAreStoredLater() async throws {
        try await withQueue { q throws in
            let run = record("r1", [task("a", before: ["b"]), task("b", after: ["a"], before: ["c"]), task("c", after: ["b"])])
            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 1, callLimit: 1)
            try await q.fail(try #require(try await q.claim(5).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "finishedAt") == nil)

            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 1)
            #expect(try await q.state("r1", "b") == "skipped")
            #expect(try await q.state("r1", "c") == "skipped")
            #expect(try await q.runField("r1", "pending") == "0")
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await earlyMembers(q, "r1") == 0)
            #expect(try await q.redis.send("HEXISTS", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "c"))), "skip").int == 0)
        }
    }

    @Test func theRestOfARunCanceledWhileItIsStoredIsStoredCanceled() async throws {
        try await withQueue { q throws in
            let run = record("r1", [task("x"), task("y"), task("z")])
            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 1, callLimit: 2)
            #expect(try await q.queue.cancelRun("r1", reason: "by user") == 2)
            // canceling until its last task is stored (canceled) and settles
            #expect(try await q.runField("r1", "state") == "canceling")
            #expect(try await q.runField("r1", "finishedAt") == nil)

            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 1)
            #expect(try await q.state("r1", "z") == "canceled")
            #expect(try await q.runField("r1", "state") == "canceled")
            #expect(try await q.runField("r1", "finishedAt") != nil)
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.ready(queue: "default"))).int == 0)
        }
    }

    @Test func aRunStoredToTheEndIsNotStoredAgain() async throws {
        try await withQueue { q throws in
            let run = record("r1", [task("x"), task("y"), task("z")])
            #expect(try await q.queue.submitRun(run, fence: q.fence, slice: 2).created)
            let again = try await q.queue.submitRun(run, fence: q.fence, slice: 2)
            #expect(!again.created && again.resumedAt == nil)
            #expect(try await q.redis.send("LLEN", .string(q.queue.keys.runTasks("r1"))).int == 3)
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.ready(queue: "default"))).int == 3)
        }
    }

    @Test func aCoordinatorWithBiggerSlicesResumesInTheSameOrder() async throws {
        try await withQueue { q throws in
            let run = record("r1", [task("low", priority: 1), task("high", priority: 9), task("mid", priority: 5)])
            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 1, callLimit: 1)
            let resumed = try await q.queue.submitRun(run, fence: q.fence, slice: 10)
            #expect(resumed.resumedAt == 1)
            let listed = try await q.redis.send("LRANGE", .string(q.queue.keys.runTasks("r1")), 0, -1)
            #expect(listed.array?.compactMap(\.string) == ["high", "mid", "low"])
            #expect(try await q.claim(5).map(\.ref.taskID) == ["high", "mid", "low"])
        }
    }

    @Test func slicesStartWithTheReadyTasksBestPriorityFirst() async throws {
        let run = record("r1", [
            task("low", priority: 1), task("wait", priority: 99, after: ["high"]), task("high", priority: 9, before: ["wait"]),
            task("mid", priority: 5), task("mid2", priority: 5),
        ])
        #expect(run.storageOrder.map(\.id) == ["high", "mid", "mid2", "low", "wait"])
        try await withQueue { q throws in
            _ = try await q.queue.submitRun(run, fence: q.fence, slice: 2)
            #expect(try await q.claim(5).map(\.ref.taskID) == ["high", "mid", "mid2", "low"])
        }
    }

    /// A big run's `submit_run` stores `RunRecord.firstSlice` tasks, so its first claims come
    /// before the rest is built and stored; a coordinator holding the whole record (another
    /// one, after this one died) goes on in the same order.
    @Test func aBigStagedRunStartsWithAShortFirstSliceAndIsResumedInTheSameOrder() async throws {
        try await withQueue { q throws in
            let intake = RunIntake(retention: .seconds(600))
            let text = RunIntakeTests.bigWorkflow
            let staged = try intake.stage(runID: "r1", text: text, fileName: "big.yaml", params: [:])
            #expect(try await q.queue.submitRun(staged.storage, fence: q.fence, callLimit: 1).created)
            #expect(try await q.runField("r1", "stored") == String(RunRecord.firstSlice))
            #expect(try await q.runField("r1", "total") == "1202")

            let prepared = try intake.prepare(runID: "r1", text: text, fileName: "big.yaml", params: [:])
            let resumed = try await q.queue.submitRun(prepared.record, fence: q.fence)
            #expect(!resumed.created && resumed.resumedAt == RunRecord.firstSlice)
            #expect(try await q.runField("r1", "stored") == "1202")
            let listed = try await q.redis.send("LRANGE", .string(q.queue.keys.runTasks("r1")), 0, -1)
            #expect(listed.array?.compactMap(\.string) == prepared.record.storageOrder.map(\.id))
            #expect(try await q.state("r1", "prepare") == "ready")
            #expect(try await q.state("r1", "part4[i=239]") == "waiting")
        }
    }
}
