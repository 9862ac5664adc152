import QrewQueue
import QrewRedis
import Testing

@Suite("claim")
struct ClaimTests {
    @Test func claimsBestPriorityFirstAndFIFOAmongEquals() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("low", priority: 5), task("high", priority: 50), task("mid1", priority: 20),
                task("mid2", priority: 20), task("negative", priority: -5),
            ])
            let claimed = try await q.claim(10)
            #expect(claimed.map(\.ref.taskID) == ["high", "mid1", "mid2", "low", "negative"])
            #expect(claimed.allSatisfy { $0.attempt == 1 })
            #expect(Set(claimed.map(\.token)).count == 5)
            #expect(try await q.state("r1", "high") == "running")
            #expect(try await q.runField("r1", "state") == "running")
        }
    }

    @Test func claimsAtMostTheRequestedNumber() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", (0..<5).map { task("t\($0)") })
            #expect(try await q.claim(2).count == 2)
            #expect(try await q.claim(10).count == 3)
            #expect(try await q.claim(10).isEmpty)
        }
    }

    /// Tokens are left per queued task; a claim that takes them all leaves none behind, so no
    /// idle worker wakes into a claim that finds nothing. One that leaves tasks keeps its tokens.
    @Test func aClaimThatEmptiesAQueueLeavesNoWakeUpTokens() async throws {
        try await withQueue { q throws in
            let wake = q.queue.keys.wake(queue: "default")
            try await q.submit("r1", (0..<5).map { task("t\($0)") })
            #expect(try await q.redis.send("LLEN", .string(wake)).int == 5)
            #expect(try await q.claim(2).count == 2)
            #expect(try await q.redis.send("LLEN", .string(wake)).int == 5, "tasks are left: the tokens stay")
            #expect(try await q.claim(10).count == 3)
            #expect(try await q.redis.send("LLEN", .string(wake)).int == 0)
            try await q.submit("r2", [task("x")])
            #expect(try await q.redis.send("LLEN", .string(wake)).int == 1, "a later push leaves its token")
        }
    }

    @Test func aFullPoolParksTasksUntilASlotFrees() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", priority: 30, limits: ["run", "pool:db"]), task("b", priority: 20, limits: ["run", "pool:db"]),
                task("free", priority: 10),
            ], limits: ["run": 10, "pool:db": 1])
            let first = try await q.claim(10)
            try #require(first.map(\.ref.taskID) == ["a", "free"])
            #expect(try await q.claim(10).isEmpty)
            try await q.succeed(first[0])
            #expect(try await q.claim(10).map(\.ref.taskID) == ["b"])
        }
    }

    @Test func theRunLimitCapsConcurrencyAcrossWorkers() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", (0..<6).map { task("t\($0)") }, limits: ["run": 2])
            let one = try await q.claim(10, worker: "w1")
            let two = try await q.claim(10, worker: "w2")
            #expect(one.count + two.count == 2)
        }
    }

    @Test func returnsTheOutputsTheSpecReferences() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"], refs: ["a"])])
            let a = try #require(try await q.claim(1).first)
            try await q.succeed(a, output: "artifact-42")
            try await q.applyAll()
            let b = try #require(try await q.claim(1).first)
            #expect(b.outputs == ["a": "artifact-42"])
            #expect(b.spec == #"{"type":"echo"}"#)
        }
    }

    @Test func matrixTaskIDsWithSlashesAndCommasSurvive() async throws {
        try await withQueue { q throws in
            let id = "deploy[path=a/b,region=eu]"
            try await q.submit("r1", [task(id)])
            let claimed = try await q.claim(1)
            #expect(claimed.first?.ref == TaskRef(runID: "r1", taskID: id))
        }
    }

    @Test func garbageInAReadyQueueIsDroppedAndRealTasksStillClaimed() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("real", priority: 10)])
            let ready = q.queue.keys.ready(queue: "default")
            _ = try await q.redis.send("ZADD", .string(ready), "999999999999999", "no-slash-garbage")
            _ = try await q.redis.send("ZADD", .string(ready), "999999999999998", "ghost/task")
            _ = try await q.redis.send("ZADD", .string(ready), "999999999999997", .bytes([0xff, 0x00, 0x2f, 0x01]))
            let claimed = try await q.claim(10)
            #expect(claimed.map(\.ref.taskID) == ["real"])
            #expect(try await q.redis.send("ZCARD", .string(ready)).int == 0)
        }
    }
}
