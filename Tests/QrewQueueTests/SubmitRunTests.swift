import QrewQueue
import QrewRedis
import Testing

@Suite("submit_run")
struct SubmitRunTests {
    @Test func storesTheRunAndQueuesOnlyDependencyFreeTasks() async throws {
        try await withQueue { q throws in
            #expect(try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"]), task("c")]))
            #expect(try await q.runField("r1", "state") == "queued")
            #expect(try await q.runField("r1", "total") == "3")
            #expect(try await q.state("r1", "a") == "ready")
            #expect(try await q.state("r1", "b") == "waiting")
            let ready = try await q.redis.send("ZCARD", .string(q.queue.keys.ready(queue: "default")))
            #expect(ready.int == 2)
            let tasks = try await q.redis.send("LRANGE", .string(q.queue.keys.runTasks("r1")), 0, -1)
            #expect(tasks.array?.compactMap(\.string) == ["a", "b", "c"])
        }
    }

    @Test func aTaskCarriesTheExtraFieldsOfTheFeaturesItUses() async throws {
        try await withQueue { q throws in
            let extra = ["gates": "rate:50:1000:api", "note": "a \"quoted\", comma,text"]
            #expect(try await q.submit("r1", [task("a", fields: extra), task("b")]))
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "a"))), "gates").string == "rate:50:1000:api")
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "a"))), "note").string == extra["note"])
            #expect(try await q.redis.send("HEXISTS", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "b"))), "gates").int == 0)
        }
    }

    @Test func resubmittingTheSameRunIDChangesNothing() async throws {
        try await withQueue { q throws in
            #expect(try await q.submit("r1", [task("a")]))
            #expect(try await q.submit("r1", [task("x"), task("y")]) == false)
            #expect(try await q.runField("r1", "total") == "1")
            #expect(try await q.state("r1", "x") == nil)
        }
    }

    @Test func aCoordinatorThatLostLeadershipIsFenced() async throws {
        try await withQueue { q throws in
            await #expect(throws: QueueError.self) {
                try await q.queue.submitRun(RunRecord(runID: "r1", fields: [:], limits: [:], tasks: [task("a")]), fence: "other:99")
            }
            #expect(try await q.runField("r1", "state") == nil)
        }
    }

    @Test func aRunOfTenThousandTasksIsStoredInSlices() async throws {
        try await withQueue { q throws in
            let tasks = (0..<10_000).map { task("t\($0)") }
            #expect(try await q.submit("big", tasks))
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.ready(queue: "default"))).int == 10_000)
            #expect(try await q.runField("big", "stored") == "10000")
            #expect(try await q.redis.send("LLEN", .string(q.queue.keys.runTasks("big"))).int == 10_000)
        }
    }
}
