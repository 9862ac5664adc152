import QrewCore
import QrewQueue
import QrewRedis
import Testing

@Suite("report_progress, record_throttle and lost results")
struct WorkerReportsTests {
    @Test func progressReportsBecomeEventsAndTheLatestStaysOnTheTask() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b")])
            let claimed = try await q.claimExactly(2)
            let a = try #require(claimed.first { $0.ref.taskID == "a" })
            let b = try #require(claimed.first { $0.ref.taskID == "b" })
            let recorded = try await q.queue.reportProgress([
                .init(task: a, percent: 10, message: "starting"),
                .init(task: a, percent: 40, message: nil),
                .init(task: b, percent: nil, message: "warming up"),
            ])
            #expect(recorded == [true, true, true])
            #expect(try await q.field("r1", "a", "progress") == "40")
            #expect(try await q.field("r1", "a", "progressMessage") == "starting")
            #expect(try await q.field("r1", "b", "progress") == nil)
            #expect(try await q.field("r1", "b", "progressMessage") == "warming up")
            #expect(try await q.field("r1", "a", "progressAt") != nil)

            let events = try await q.queue.runEvents("r1").map(\.fields).filter { $0["type"] == "task_progress" }
            #expect(events.map { $0["task"] } == ["a", "a", "b"])
            #expect(events.map { $0["percent"] } == ["10", "40", nil])
            #expect(events.map { $0["message"] } == ["starting", nil, "warming up"])
            #expect(events.allSatisfy { $0["attempt"] == "1" && $0["ts"] != nil })
        }
    }

    @Test func progressOfALostLeaseIsDropped() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            let a = try #require(try await q.claim(1).first)
            let forged = ClaimedTask(ref: a.ref, token: "999999", attempt: 1, spec: a.spec, outputs: [:])
            #expect(try await q.queue.reportProgress([.init(task: forged, percent: 50, message: "x")]) == [false])
            #expect(try await q.succeed(a))
            #expect(try await q.queue.reportProgress([.init(task: a, percent: 60, message: nil)]) == [false])
            #expect(try await q.field("r1", "a", "progress") == nil)
            let types = try await q.queue.runEvents("r1").map { $0.fields["type"] }
            #expect(!types.contains("task_progress"))
        }
    }

    @Test func aThrottleIsRecordedInEveryExistingRunInOneCall() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            try await q.submit("r2", [task("a")])
            let count = try await q.queue.recordThrottle(
                worker: "w1", from: 4, to: 2, reason: "cpu pressure 0.97 over 0.80", runs: ["r1", "r2", "gone"])
            #expect(count == 2)
            #expect(try await q.runField("r1", "throttles") == "1")
            #expect(try await q.runField("r2", "throttles") == "1")
            _ = try await q.queue.recordThrottle(worker: "w1", from: 2, to: 3, reason: "under thresholds", runs: ["r1"])
            #expect(try await q.runField("r1", "throttles") == "2")
            let events = try await q.queue.runEvents("r1").map(\.fields).filter { $0["type"] == "worker_throttled" }
            #expect(events.count == 2)
            #expect(events.first?["worker"] == "w1")
            #expect(events.first?["from"] == "4")
            #expect(events.first?["to"] == "2")
            #expect(events.first?["reason"] == "cpu pressure 0.97 over 0.80")
            #expect(try await q.redis.send("EXISTS", .string(q.queue.keys.run("gone"))).int == 0)
        }
    }

    @Test func aLostResultRetriesWithItsDelayThenEndsLost() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2)])
            let first = try #require(try await q.claim(1).first)
            let status = try await q.queue.complete([TaskCompletion(
                task: first, outcome: .lost, exitCode: nil, output: "", error: "heartbeat timeout: no progress for 1s",
                retryDelay: .milliseconds(100))])
            #expect(status == [.retrying])
            #expect(try await q.state("r1", "a") == "ready")
            q.clock.advance(by: .seconds(1))
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            let second = try #require(try await q.claim(1).first)
            #expect(second.attempt == 2)
            #expect(try await q.queue.complete(
                second, outcome: .lost, exitCode: nil, output: "", error: "heartbeat timeout: no progress for 1s", retryDelay: nil))
            #expect(try await q.state("r1", "a") == "lost")
            #expect(try await q.field("r1", "a", "error") == "heartbeat timeout: no progress for 1s")
            // Final like any failure: applied (the run fails) and dead-lettered with its reason.
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            let letter = try #require(try await q.queue.deadLetters().first)
            #expect(letter.ref == "r1/a")
            #expect(letter.reason == "heartbeat timeout: no progress for 1s")
            #expect(letter.attempts == 2)
        }
    }
}

extension QueueFixture {
    /// One field of a task's hash.
    fileprivate func field(_ run: String, _ task: String, _ name: String) async throws -> String? {
        try await redis.send("HGET", .string(queue.keys.task(TaskRef(runID: run, taskID: task))), .string(name)).string
    }
}
