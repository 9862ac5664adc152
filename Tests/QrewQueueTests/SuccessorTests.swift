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
}
