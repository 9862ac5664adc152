import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `expire_queued`: a task not started within its queue timeout ends `timed_out` (or is retried
/// as its policy says); a task that started in time is left alone.
@Suite("expire_queued")
struct ExpireQueuedTests {
    static func queueTimeout(_ ms: Int, retry: String = "") -> [String: String] {
        ["queueTimeoutMs": String(ms), "queueTimeoutRetry": retry]
    }

    @Test func aTaskNotStartedInTimeEndsTimedOutAndItsDependentsAreSkipped() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["b"], fields: Self.queueTimeout(30_000)), task("b", after: ["a"]),
            ])
            // 20 s of the 30 s pass on the test clock; real time between the calls (seconds on a
            // loaded machine) must not make the deadline fall due early.
            q.clock.advance(by: .seconds(20))
            let early = try await q.queue.expireQueued(fence: q.fence)
            #expect(early.expired == 0)
            #expect(early.nextDue.map { $0 <= .seconds(10) } == true)
            q.clock.advance(by: .seconds(11))
            let due = try await q.queue.expireQueued(fence: q.fence)
            #expect(due.expired == 1 && due.nextDue == nil)
            #expect(try await q.state("r1", "a") == "timed_out")
            let fields = try await q.redis.send(
                "HMGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "a"))), "error", "attempt").array ?? []
            #expect(fields.first?.string == "queue timeout: not started within 30s")
            #expect(fields.last?.string == "1")
            #expect(try await q.claim(1).isEmpty, "it left the ready queue")
            try await q.applyAll()
            #expect(try await q.state("r1", "b") == "skipped")
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.queue.deadLetters().map(\.reason) == ["queue timeout: not started within 30s"])
            let finished = try await q.queue.runEvents("r1").filter { $0.fields["type"] == "task_finished" && $0.fields["task"] == "a" }
            #expect(finished.map { $0.fields["state"] } == ["timed_out"])
        }
    }

    @Test func aTaskThatStartedInTimeIsLeftAlone() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", fields: Self.queueTimeout(1000))])
            let claimed = try await q.claimExactly(1)
            q.clock.advance(by: .seconds(5))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 0)
            #expect(try await q.state("r1", "a") == "running")
            #expect(try await q.succeed(claimed[0]))
            #expect(try await q.redis.send("ZCARD", "qt:queuetimeouts").int == 0)
        }
    }

    @Test func aTimedOutTaskIsRetriedWhenItsPolicyRetriesTimeoutsCountingTheAttempt() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2, fields: Self.queueTimeout(2000, retry: "fixed,1000,1000,0"))])
            q.clock.advance(by: .seconds(3))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 1)
            #expect(try await q.state("r1", "a") == "ready")
            #expect(try await q.claim(1).isEmpty, "it waits out its backoff")
            let retrying = try await q.queue.runEvents("r1").filter { $0.fields["type"] == "task_retrying" }
            #expect(retrying.map { $0.fields["outcome"] } == ["timed_out"])
            q.clock.advance(by: .seconds(1))
            #expect(try await q.queue.promoteDelayed(fence: q.fence).promoted == 1)
            // Queued again with a fresh deadline; this time it starts in time, as attempt 2.
            let claimed = try await q.claimExactly(1)
            #expect(claimed[0].attempt == 2)
            q.clock.advance(by: .seconds(5))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 0)
            #expect(try await q.succeed(claimed[0]))
        }
    }

    @Test func theLastAttemptIsNotRetried() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 1, fields: Self.queueTimeout(1000, retry: "fixed,1000,1000,0"))])
            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 1)
            #expect(try await q.state("r1", "a") == "timed_out")
        }
    }

    @Test func aParkedTaskIsTakenOutOfItsParkedSet() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b", fields: Self.queueTimeout(10_000))], limits: ["run": 1])
            let running = try await q.claimExactly(1)
            #expect(try await q.claim(1).isEmpty, "b parks: the run is full")
            q.clock.advance(by: .seconds(11))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 1)
            #expect(try await q.redis.send("ZCARD", .string("qt:run:r1:parked:run")).int == 0)
            #expect(try await q.succeed(running[0]))
            #expect(try await q.claim(1).isEmpty)
            #expect(try await q.state("r1", "b") == "timed_out")
        }
    }

    @Test func aDependentGetsItsDeadlineWhenReleased() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"], fields: Self.queueTimeout(20_000))])
            q.clock.advance(by: .seconds(60))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 0, "b was waiting, not queued")
            #expect(try await q.succeed(try q.claimExactly(1)[0]))
            try await q.applyAll()
            q.clock.advance(by: .seconds(10))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 0)
            q.clock.advance(by: .seconds(11))
            #expect(try await q.queue.expireQueued(fence: q.fence).expired == 1)
            #expect(try await q.state("r1", "b") == "timed_out")
        }
    }

    @Test func onlyTasksWithAQueueTimeoutCarryItsFields() throws {
        let text = """
            name: w
            steps:
              - { id: waits, type: echo, queueTimeout: 90s, retries: { max: 1, on: [timeout], backoff: fixed, initial: 2s, jitter: false } }
              - { id: plain, type: echo }
            """
        let record = try RunIntake().prepare(runID: "r", text: text, fileName: "w.yaml", params: [:]).record
        let fields = Dictionary(uniqueKeysWithValues: record.tasks.map { ($0.id, $0.fields) })
        #expect(fields["waits"] == ["queueTimeoutMs": "90000", "queueTimeoutRetry": "fixed,2000,60000,0"])
        #expect(fields["plain"] == [:])
    }

    @Test func theFieldsComeFromTheStepsQueueTimeoutAndRetryPolicy() throws {
        let policy = RetryPolicy(maxRetries: 2, backoff: .fixed, initial: .seconds(3), cap: .seconds(9), jitter: false, retryOn: [.timeout])
        #expect(TaskRecord.queueTimeoutRetry(for: policy) == "fixed,3000,9000,0")
        #expect(TaskRecord.queueTimeoutRetry(for: RetryPolicy(maxRetries: 2, retryOn: [.failure])) == "")
        #expect(TaskRecord.queueTimeoutRetry(for: RetryPolicy(maxRetries: 0)) == "")
    }
}
