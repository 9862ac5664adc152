import QrewCore
import QrewQueue
import QrewRedis
import Testing

@Suite("expire_tasks")
struct ExpireTasksTests {
    func pttl(_ q: QueueFixture, _ key: String) async throws -> Int {
        try await q.redis.send("PTTL", .string(key)).int ?? -99
    }

    @Test func aRetriedRunIsLeftAloneUntilItFinishesAgain() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            guard case .retried = try await q.queue.retryRun("r1", fresh: false) else {
                Issue.record("expected a retry")
                return
            }
            let a = q.queue.keys.task(TaskRef(runID: "r1", taskID: "a"))
            #expect(try await q.queue.expireTasks(fence: q.fence) == (0, false))
            #expect(try await pttl(q, a) == -1)
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.queue.expireTasks(fence: q.fence) == (1, false))
            #expect(try await pttl(q, a) > 3_500_000)
        }
    }

    @Test func theTasksOfARunWhoseHashIsGoneExpireAtOnce() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b")])
            for item in try await q.claim(2) { try await q.succeed(item) }
            try await q.applyAll()
            _ = try await q.redis.send("DEL", .string(q.queue.keys.run("r1")))
            #expect(try await q.queue.expireTasks(fence: q.fence) == (1, false))
            try await Task.sleep(for: .milliseconds(20))
            for id in ["a", "b"] {
                #expect(try await q.redis.send("EXISTS", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: id)))).int == 0)
            }
            for key in [q.queue.keys.runTasks("r1"), q.queue.keys.runEvents("r1"), q.queue.keys.runSpecs("r1")] {
                #expect(try await q.redis.send("EXISTS", .string(key)).int == 0, "\(key)")
            }
        }
    }

    /// A call visits at most 16 runs however small they are, so one over many one-task runs stays
    /// short; the rest waits for the next call.
    @Test func aCallTakesAtMost16Runs() async throws {
        try await withQueue { q throws in
            for index in 0..<20 {
                try await q.submit("r\(index)", [task("a")])
                for item in try await q.claim(1) { try await q.succeed(item) }
            }
            try await q.applyAll()
            #expect(try await q.queue.expireTasks(fence: q.fence) == (16, true))
            #expect(try await q.queue.expireTasks(fence: q.fence) == (4, false))
            for index in 0..<20 {
                #expect(try await pttl(q, q.queue.keys.task(TaskRef(runID: "r\(index)", taskID: "a"))) > 3_500_000)
            }
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.expiring)).int == 0)
        }
    }

    @Test func aBudgetSplitsRunsOverCalls() async throws {
        try await withQueue { q throws in
            for run in ["r1", "r2", "r3"] {
                try await q.submit(run, [task("a"), task("b")])
                for item in try await q.claim(2) { try await q.succeed(item) }
            }
            try await q.applyAll()
            // Budget 3: r1 whole and half of r2, then the rest of r2 and r3.
            #expect(try await q.queue.expireTasks(fence: q.fence, budget: 3) == (1, true))
            #expect(try await pttl(q, q.queue.keys.task(TaskRef(runID: "r2", taskID: "a"))) > 3_500_000)
            #expect(try await pttl(q, q.queue.keys.task(TaskRef(runID: "r2", taskID: "b"))) == -1)
            #expect(try await q.queue.expireTasks(fence: q.fence, budget: 3) == (2, false))
            #expect(try await q.queue.expireTasks(fence: q.fence, budget: 3) == (0, false))
            for run in ["r1", "r2", "r3"] {
                #expect(try await pttl(q, q.queue.keys.task(TaskRef(runID: run, taskID: "b"))) > 3_500_000)
                #expect(try await pttl(q, q.queue.keys.runTasks(run)) > 3_500_000)
            }
            #expect(try await q.redis.send("EXISTS", .string(q.queue.keys.expiringDone)).int == 0)
        }
    }
}
