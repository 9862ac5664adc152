import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `complete` with successors: after recording and applying its results, the call leases the
/// worker ready tasks of its queues as `claim` would (docs/protocol.md, *Successors*).
@Suite("complete: successors")
struct SuccessorTests {
    func success(_ task: ClaimedTask) -> TaskCompletion {
        TaskCompletion(task: task, outcome: .succeeded, exitCode: 0, output: "out-\(task.ref.taskID)", error: nil, retryDelay: nil)
    }

    func successors(_ most: Int, worker: String = "w1") -> SuccessorRequest {
        SuccessorRequest(worker: worker, lease: .seconds(30), queues: ["default"], most: most)
    }

    func wakeTokens(_ q: QueueFixture) async throws -> Int {
        try await q.redis.send("LLEN", .string(q.queue.keys.wake(queue: "default"))).int ?? -1
    }

    /// Drops the tokens the submission left (a worker's `BLPOP` would have taken them).
    func consumeWakeTokens(_ q: QueueFixture) async throws {
        _ = try await q.redis.send("DEL", .string(q.queue.keys.wake(queue: "default")))
    }

    @Test func aResultLeasesTheDependentItReleasedInTheSameCall() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"], refs: ["a"])], fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            try await consumeWakeTokens(q)
            let reply = try await q.queue.complete([success(a)], successors: successors(1, worker: "w7"))
            #expect(reply.statuses == [.recorded])
            let b = try #require(reply.successors.first)
            #expect(reply.successors.count == 1)
            #expect(b.ref == TaskRef(runID: "r1", taskID: "b"))
            #expect(b.attempt == 1)
            #expect(b.queue == "default")
            #expect(b.outputs == ["a": "out-a"])
            #expect(!b.token.isEmpty)
            #expect(try await q.state("r1", "b") == "running")
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(b.ref)), "worker").string == "w7")
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.leases), .string(b.ref.description)).string != nil)
            // Nothing is left to wake another worker for: the task it released is leased already.
            #expect(try await wakeTokens(q) == 0)
            #expect(try await q.claim(5).isEmpty)
            // A successor is completed like any claimed task.
            #expect(try await q.queue.complete([success(b)], successors: successors(1)).statuses == [.recorded])
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func theBestReadyTasksAreLeasedUpToTheMostAndTheRestWakeWorkers() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["low", "high", "mid"]),
                task("low", priority: 10, after: ["a"]), task("high", priority: 30, after: ["a"]), task("mid", priority: 20, after: ["a"]),
            ], fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            try await consumeWakeTokens(q)
            let reply = try await q.queue.complete([success(a)], successors: successors(1))
            #expect(reply.successors.map(\.ref.taskID) == ["high"])
            #expect(try await q.state("r1", "mid") == "ready")
            #expect(try await q.state("r1", "low") == "ready")
            // One token for each task left ready, none for the one leased.
            #expect(try await wakeTokens(q) == 2)
            #expect(try await q.claim(5).map(\.ref.taskID) == ["mid", "low"])
        }
    }

    @Test func freedSlotsAreFilledFromTheQueueAndAnEmptyQueueLosesItsTokens() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b"), task("c")], fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claim(1).first)
            // Two tasks wait in the queue; the call takes both for the slots it frees (three
            // free), and the queue it empties keeps no token.
            let reply = try await q.queue.complete([success(a)], successors: successors(3))
            #expect(Set(reply.successors.map(\.ref.taskID)) == ["b", "c"])
            #expect(try await wakeTokens(q) == 0)
            let again = try await q.queue.complete(reply.successors.map(success), successors: successors(2))
            #expect(again.statuses == [.recorded, .recorded])
            #expect(again.successors.isEmpty)
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func withoutSuccessorsTheCallLeasesNothing() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"])], fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            try await consumeWakeTokens(q)
            let reply = try await q.queue.complete([success(a)], successors: nil)
            #expect(reply.statuses == [.recorded])
            #expect(reply.successors.isEmpty)
            #expect(try await q.state("r1", "b") == "ready")
            #expect(try await wakeTokens(q) == 1)
        }
    }

    @Test func successorsRespectTheRunsConcurrencyLimit() async throws {
        try await withQueue { q throws in
            // One task of the run at a time: "a" first (best priority), then "b" and "c" share the slot.
            try await q.submit("r1", [task("a", priority: 30, before: ["b"]), task("b", after: ["a"]), task("c")],
                               limits: ["run": 1], fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            #expect(a.ref.taskID == "a")
            let reply = try await q.queue.complete([success(a)], successors: successors(2))
            // The slot "a" freed goes to one successor; the other is parked until it frees again.
            let first = try #require(reply.successors.first)
            #expect(reply.successors.count == 1)
            #expect(try await q.claim(5).isEmpty)
            let next = try await q.queue.complete([success(first)], successors: successors(2))
            #expect(next.successors.count == 1)
            #expect(Set([first.ref.taskID] + next.successors.map(\.ref.taskID)) == ["b", "c"])
            #expect(try await q.queue.complete(next.successors.map(success), successors: successors(2)).statuses == [.recorded])
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    // A released dependent that is `plain` (no limits, refs or feature fields) and on one of the
    // worker's queues is held for the call's lease instead of being queued first (lib/finish
    // held_releases); the order is still the queue's.

    func plainTask(_ id: String, priority: Int = 10, after: [String] = [], before: [String] = [], queue: String = "default") -> TaskRecord {
        TaskRecord(
            id: id, step: id, queue: queue, priority: priority, deps: after.count, dependents: before,
            limits: [], refs: [], spec: #"{"type":"echo"}"#, maxAttempts: 1, continueOnError: false,
            lostRetry: "fixed,0,0,0", fields: [:])
    }

    func readyScore(_ q: QueueFixture, _ run: String, _ task: String, queue: String = "default") async throws -> String? {
        try await q.redis.send("ZSCORE", .string(q.queue.keys.ready(queue: queue)), .string("\(run)/\(task)")).string
    }

    func taskField(_ q: QueueFixture, _ run: String, _ task: String, _ field: String) async throws -> String? {
        try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: run, taskID: task))), .string(field)).string
    }

    @Test func aHeldDependentIsLeasedWithoutAReadyEntryAndLooksQueuedAtItsStart() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [plainTask("a", before: ["b"]), plainTask("b", after: ["a"])], fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            try await consumeWakeTokens(q)
            let reply = try await q.queue.complete([success(a)], successors: successors(1, worker: "w7"))
            let b = try #require(reply.successors.first)
            #expect(b.ref == TaskRef(runID: "r1", taskID: "b"))
            #expect(b.attempt == 1)
            #expect(b.queue == "default")
            #expect(b.queueWait == .zero)
            #expect(b.spec.contains("echo"))
            #expect(try await q.state("r1", "b") == "running")
            #expect(try await taskField(q, "r1", "b", "worker") == "w7")
            let queuedAt = try #require(try await taskField(q, "r1", "b", "queuedAt"))
            #expect(try await taskField(q, "r1", "b", "startedAt") == queuedAt)
            #expect(try await readyScore(q, "r1", "b") == nil)
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.leases), "r1/b").string != nil)
            #expect(try await wakeTokens(q) == 0)
            let events = try await q.queue.runEvents("r1").map(\.fields)
            #expect(events.filter { $0["type"] == "task_started" }.count == 2)
            #expect(try await q.queue.complete([success(b)], successors: successors(1)).statuses == [.recorded])
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func aHeldDependentWaitsBehindABetterReadyTaskAndIsQueuedWhenNotTaken() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [plainTask("a", before: ["b"]), plainTask("b", after: ["a"])], fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            try await consumeWakeTokens(q)
            try await q.submit("r2", [plainTask("x", priority: 50)], fields: CompleteBatchTests.inline)
            let reply = try await q.queue.complete([success(a)], successors: successors(1))
            #expect(reply.successors.map(\.ref.description) == ["r2/x"])
            // "b" is queued as if it had never been held: ready and scored, with the wake-up
            // token "x" left (one per ready task).
            #expect(try await q.state("r1", "b") == "ready")
            #expect(try await taskField(q, "r1", "b", "queuedAt") != nil)
            #expect(try await readyScore(q, "r1", "b") != nil)
            #expect(try await wakeTokens(q) == 1)
            #expect(try await q.claim(5).map(\.ref.description) == ["r1/b"])
        }
    }

    @Test func aBetterHeldDependentGoesFirstAndThePoppedTaskKeepsItsPlace() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [plainTask("a", priority: 90, before: ["b"]), plainTask("b", priority: 80, after: ["a"])],
                               fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            try await q.submit("r2", [plainTask("x", priority: 5), plainTask("y", priority: 1)], fields: CompleteBatchTests.inline)
            let scores = (try await readyScore(q, "r2", "x"), try await readyScore(q, "r2", "y"))
            try await consumeWakeTokens(q)
            let reply = try await q.queue.complete([success(a)], successors: successors(2))
            // Best first: the held "b" (80), then "x" (5); "y" (1), popped with them, goes back.
            #expect(reply.successors.map(\.ref.description) == ["r1/b", "r2/x"])
            #expect(try await readyScore(q, "r2", "y") == scores.1)
            #expect(scores.0 != nil)
            #expect(try await q.state("r2", "y") == "ready")
            #expect(try await q.claim(5).map(\.ref.description) == ["r2/y"])
        }
    }

    @Test func heldDependentsBeyondTheMostAreQueuedInTheirOrder() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                plainTask("a", before: ["d1", "d2", "d3", "d4"]),
                plainTask("d1", priority: 10, after: ["a"]), plainTask("d2", priority: 40, after: ["a"]),
                plainTask("d3", priority: 30, after: ["a"]), plainTask("d4", priority: 20, after: ["a"]),
            ], fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            try await consumeWakeTokens(q)
            let reply = try await q.queue.complete([success(a)], successors: successors(2))
            #expect(reply.successors.map(\.ref.taskID) == ["d2", "d3"])
            #expect(try await wakeTokens(q) == 2)
            #expect(try await q.claim(5).map(\.ref.taskID) == ["d4", "d1"])
        }
    }

    @Test func aDependentOnAQueueTheWorkerDoesNotServeIsQueuedThere() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [plainTask("a", before: ["g"]), plainTask("g", after: ["a"], queue: "gpu")],
                               fields: CompleteBatchTests.inline)
            let a = try #require(try await q.claimExactly(1).first)
            let reply = try await q.queue.complete([success(a)], successors: successors(1))
            #expect(reply.successors.isEmpty)
            #expect(try await q.state("r1", "g") == "ready")
            #expect(try await readyScore(q, "r1", "g", queue: "gpu") != nil)
            #expect(try await q.redis.send("LLEN", .string(q.queue.keys.wake(queue: "gpu"))).int == 1)
        }
    }

    @Test func aDependentHeldWhenALaterResultFailsTheRunFastIsCanceledNotQueued() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                plainTask("a", priority: 50, before: ["c"]), plainTask("b", priority: 40), plainTask("c", after: ["a"]),
            ], fields: CompleteBatchTests.inline.merging(["failFast": "true"]) { $1 })
            let claimed = try await q.claimExactly(2)
            #expect(claimed.map(\.ref.taskID) == ["a", "b"])
            let failed = TaskCompletion(task: claimed[1], outcome: .failed, exitCode: 1, output: "", error: "boom", retryDelay: nil)
            let reply = try await q.queue.complete([success(claimed[0]), failed], successors: successors(2))
            #expect(reply.statuses == [.recorded, .recorded])
            #expect(reply.successors.isEmpty)
            #expect(try await q.state("r1", "c") == "canceled")
            #expect(try await readyScore(q, "r1", "c") == nil)
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.claim(5).isEmpty)
        }
    }
}
