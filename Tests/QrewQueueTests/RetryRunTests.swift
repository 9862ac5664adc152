import QrewCore
import QrewQueue
import QrewRedis
import Testing

@Suite("retry_run")
struct RetryRunTests {
    /// a -> b -> c, and x on its own; a fails, so b and c are skipped and the run fails.
    func failedRun(_ q: QueueFixture) async throws {
        try await q.submit("r1", [
            task("a", before: ["b"]), task("b", after: ["a"], before: ["c"]), task("c", after: ["b"]), task("x"),
        ])
        for item in try await q.claim(2) {
            if item.ref.taskID == "a" { try await q.fail(item) } else { try await q.succeed(item, output: "x-out") }
        }
        try await q.applyAll()
        #expect(try await q.runField("r1", "state") == "failed")
    }

    @Test func rerunsTheUnsuccessfulTasksAndKeepsTheSucceededOnes() async throws {
        try await withQueue { q throws in
            try await failedRun(q)
            let result = try await q.queue.retryRun("r1", fresh: false)
            guard case .retried(let count, _) = result else {
                Issue.record("expected a retry, got \(result)")
                return
            }
            #expect(count == 3)
            #expect(try await q.runField("r1", "state") == "running")
            #expect(try await q.state("r1", "a") == "ready")
            #expect(try await q.state("r1", "b") == "waiting")
            #expect(try await q.state("r1", "x") == "succeeded")
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "x"))), "output").string == "x-out")
            #expect(try await q.redis.send("PTTL", .string(q.queue.keys.run("r1"))).int == -1)

            for expected in ["a", "b", "c"] {
                let next = try #require(try await q.claim(5).first)
                #expect(next.ref.taskID == expected)
                #expect(next.attempt == 1)
                try await q.succeed(next)
                try await q.applyAll()
            }
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func aRetriedRunGetsAFreshDeadline() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")], fields: ["timeoutMs": "60000"])
            let deadlines = "\(q.queue.keys.prefix):deadlines"
            #expect(try await q.redis.send("ZSCORE", .string(deadlines), "r1").string != nil)
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.redis.send("ZSCORE", .string(deadlines), "r1").string == nil, "a finished run leaves the deadlines")
            q.clock.advance(by: .seconds(3600))
            let before = try await q.queue.serverTime()
            _ = try await q.queue.retryRun("r1", fresh: false)
            let deadline = Int(try await q.redis.send("ZSCORE", .string(deadlines), "r1").string ?? "") ?? 0
            #expect(deadline >= before + 60_000 && deadline < before + 65_000, "deadline \(deadline), now \(before)")
        }
    }

    @Test func freshRerunsEverything() async throws {
        try await withQueue { q throws in
            try await failedRun(q)
            guard case .retried(let count, _) = try await q.queue.retryRun("r1", fresh: true) else {
                Issue.record("expected a retry")
                return
            }
            #expect(count == 4)
            #expect(try await q.state("r1", "x") == "ready")
            #expect(Set(try await q.claim(5).map(\.ref.taskID)) == ["a", "x"])
        }
    }

    @Test func refusesUnfinishedAndUnknownRunsAndHasNothingToDoForASucceededOne() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            #expect(try await q.queue.retryRun("r1", fresh: false) == .notFinished(state: "queued"))
            #expect(try await q.queue.retryRun("nope", fresh: false) == .unknownRun)
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.queue.retryRun("r1", fresh: false) == .nothingToRetry)
        }
    }
}
