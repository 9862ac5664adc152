import QrewQueue
import QrewRedis
import Testing

@Suite("apply_events")
struct ApplyEventsTests {
    @Test func releasesADependentOnlyWhenItsLastDependencyFinished() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["d"]), task("b", before: ["d"]), task("d", after: ["a", "b"]),
            ])
            let ab = try await q.claimExactly(2)
            try await q.succeed(ab[0])
            #expect(try await q.applyAll() == 1)
            #expect(try await q.state("r1", "d") == "waiting")
            try await q.succeed(ab[1])
            #expect(try await q.applyAll() == 1)
            #expect(try await q.state("r1", "d") == "ready")
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.runField("r1", "pending") == "0")
        }
    }

    @Test func aReplayedEventChangesNothing() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b", "c"]), task("b", after: ["a"]), task("c", after: ["a"])])
            try await q.succeed(try #require(try await q.claim(1).first))
            let event = try #require(try await q.redis.send("XRANGE", .string(q.queue.keys.events), "-", "+").array?.first?.array)
            let entryID = try #require(event[0].string)
            let args: [(entryID: String, ref: String)] = [(entryID, "r1/a")]
            try await q.queue.ensureCoordinatorGroup(on: q.queue.keys.events)
            #expect(try await q.queue.applyEvents(args, fence: q.fence, group: QueueClient.coordinatorGroup) == 1)
            #expect(try await q.queue.applyEvents(args, fence: q.fence, group: QueueClient.coordinatorGroup) == 0)
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.ready(queue: "default"))).int == 2)
            #expect(try await q.runField("r1", "pending") == "2")
        }
    }

    @Test func aFailureSkipsEverythingDownstreamAndFailsTheRun() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["b"]), task("b", after: ["a"], before: ["c"]), task("c", after: ["b"]), task("x"),
            ])
            let claimed = try await q.claim(2)
            for item in claimed {
                if item.ref.taskID == "a" { try await q.fail(item) } else { try await q.succeed(item) }
            }
            try await q.applyAll()
            #expect(try await q.state("r1", "b") == "skipped")
            #expect(try await q.state("r1", "c") == "skipped")
            #expect(try await q.state("r1", "x") == "succeeded")
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }

    @Test func continueOnErrorLetsDependentsRun() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"], continueOnError: true), task("b", after: ["a"])])
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func failFastCancelsTheRestAndStopsRunningTasks() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", priority: 50), task("slow"), task("later")], limits: ["run": 2], fields: ["failFast": "true"])
            let claimed = try await q.claimExactly(2)
            #expect(claimed.map(\.ref.taskID) == ["a", "slow"])
            try await q.fail(claimed[0])
            try await q.applyAll()
            #expect(try await q.state("r1", "slow") == "canceled")
            #expect(try await q.state("r1", "later") == "canceled")
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.succeed(claimed[1]) == false)
        }
    }

    @Test func finishedRunsExpireAfterTheRetentionTheRunStores() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")], fields: ["retention": "3600000"])
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            let a = q.queue.keys.task(TaskRef(runID: "r1", taskID: "a"))
            #expect(try await q.redis.send("PTTL", .string(q.queue.keys.run("r1"))).int ?? -1 > 0)
            // The task keys get the run's expiry from expire_tasks, off the hot path.
            #expect(try await q.redis.send("PTTL", .string(a)).int == -1)
            #expect(try await q.queue.expireTasks(fence: q.fence) == (1, false))
            let ttl = try await q.redis.send("PTTL", .string(a)).int ?? -1
            #expect(ttl > 3_500_000 && ttl <= 3_600_000)
            for key in [q.queue.keys.runTasks("r1"), q.queue.keys.runEvents("r1"), q.queue.keys.runSpecs("r1")] {
                #expect(try await q.redis.send("PTTL", .string(key)).int ?? -1 > 3_500_000)
            }
            #expect(try await q.queue.expireTasks(fence: q.fence) == (0, false))
        }
    }

    @Test func aRunStoredWithoutRetentionIsKeptAWeek() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            let ttl = try await q.redis.send("PTTL", .string(q.queue.keys.run("r1"))).int ?? -1
            #expect(ttl > 604_700_000 && ttl <= 604_800_000)
        }
    }
}
