import QrewQueue
import QrewRedis
import Testing

/// `record_crash`, and what `reap_leases` and `retry_run` do with the count it keeps: the Redis
/// half of poison quarantine.
@Suite("record_crash, and quarantine in reap_leases")
struct RecordCrashTests {
    @Test func aCrashCountsOnlyOnTasksWhoseTokenStillHoldsTheLease() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b")])
            let claimed = try await q.claimExactly(2)
            let a = try #require(claimed.first { $0.ref.taskID == "a" })
            let b = try #require(claimed.first { $0.ref.taskID == "b" })
            let counted = try await q.recordCrash(
                [(a.ref.description, a.token), (b.ref.description, "stale"), ("r1/missing", "1")])
            #expect(counted == 1)
            #expect(try await q.taskField(a, "crashes") == "1")
            #expect(try await q.taskField(a, "crash") == "worker w1 crashed (SIGILL)")
            #expect(try await q.taskField(b, "crashes") == nil)
            #expect(try await q.redis.send("EXISTS", "qt:task:r1/missing").int == 0)
            try await q.succeed(a)
            #expect(try await q.recordCrash([(a.ref.description, a.token)], signal: 11) == 0)
        }
    }

    @Test func aTaskThatCrashedOneWorkerIsRetriedAndItsErrorSaysSo() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 3)])
            let first = try #require(try await q.claim(1, lease: .seconds(1)).first)
            _ = try await q.recordCrash([(first.ref.description, first.token)], signal: 11)
            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.reapLeases(fence: q.fence) == ["r1/a"])
            #expect(try await q.state("r1", "a") == "ready")
            #expect(try await q.taskField(first, "error") == "lease lost: worker w1 crashed (SIGSEGV) while claiming or running it")
            #expect(try await q.taskField(first, "crashes") == "1")
            // The description is this lease's only: the next lease lost without a crash says so.
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            let second = try #require(try await q.claim(1, worker: "w2", lease: .seconds(1)).first)
            q.clock.advance(by: .seconds(2))
            _ = try await q.queue.reapLeases(fence: q.fence)
            #expect(try await q.state("r1", "a") == "ready")
            #expect(try await q.taskField(second, "error") == "lease lost: worker w2 stopped heartbeating")
        }
    }

    @Test func aTaskThatCrashedTwoWorkersIsQuarantinedDeadLetteredOnceAndRunsAgainWhenRequeued() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"], maxAttempts: 6), task("b", after: ["a"])])
            for (worker, signal) in [("w1", 4), ("w2", 6)] {
                _ = try await q.queue.promoteDelayed(fence: q.fence)
                let claimed = try #require(try await q.claim(1, worker: worker, lease: .seconds(1)).first)
                #expect(try await q.recordCrash([(claimed.ref.description, claimed.token)], worker: worker, signal: signal) == 1)
                q.clock.advance(by: .seconds(2))
                #expect(try await q.queue.reapLeases(fence: q.fence) == ["r1/a"])
            }
            let quarantine = "quarantined: this task crashed 2 workers while being claimed or run (last: worker w2 "
                + "crashed (SIGABRT)); not retried (qctl dlq requeue ID to run it again)"
            #expect(try await q.state("r1", "a") == "failed")
            #expect(try await q.runField("r1", "state") != "failed")
            try await q.applyAll()
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.state("r1", "b") == "skipped")
            let letters = try await q.queue.deadLetters()
            #expect(letters.map(\.reason) == [quarantine])
            #expect(letters.first?.attempts == 2)

            let letter = try #require(letters.first)
            #expect(try await q.queue.requeueDeadLetter(id: letter.id) != .unknownDeadLetter)
            let again = try #require(try await q.claim(1).first)
            #expect(again.ref.taskID == "a")
            #expect(try await q.taskField(again, "crashes") == nil)
            try await q.succeed(again)
            try await q.applyAll()
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }
}

extension QueueFixture {
    /// Sends `record_crash` the way a crashing worker's signal handler does: EVAL with the
    /// script's text, no keys. Returns how many tasks counted the crash.
    func recordCrash(_ tasks: [(ref: String, token: String)], worker: String = "w1", signal: Int = 4) async throws -> Int? {
        var command: [RedisArgument] = [
            "EVAL", .string(try ScriptLibrary.bundled.get()[.recordCrash].source), "0", "qt", .string(worker), .int(signal),
        ]
        for task in tasks { command += [.string(task.ref), .string(task.token)] }
        return try await redis.send(command).int
    }

    /// One field of a claimed task's hash.
    func taskField(_ task: ClaimedTask, _ field: String) async throws -> String? {
        try await redis.send("HGET", .string(queue.keys.task(task.ref)), .string(field)).string
    }
}
