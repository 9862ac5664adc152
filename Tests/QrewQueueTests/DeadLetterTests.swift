import QrewCore
import QrewQueue
import QrewRedis
import Testing

@Suite("dead letters (lib/apply, claim, retry_run with ids, purge_dead_letters)")
struct DeadLetterTests {
    @Test func aFinalFailureIsDeadLetteredOnceWithReasonAndAttempts() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2)])
            try await q.fail(try #require(try await q.claim(1).first), retryDelay: .zero)
            #expect(try await q.queue.deadLetters().isEmpty)
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            try await q.fail(try #require(try await q.claim(1).first), retryDelay: .zero)
            try await q.applyAll()
            try await q.applyAll()
            let letters = try await q.queue.deadLetters()
            #expect(letters.count == 1)
            let letter = try #require(letters.first)
            #expect(letter.ref == "r1/a" && letter.run == "r1" && letter.task == "a")
            #expect(letter.reason == "boom")
            #expect(letter.attempts == 2)
            let now = try await q.queue.serverTime()
            #expect((now - 5000...now).contains(letter.at), "dead letter at \(letter.at), Redis clock \(now)")
            #expect(try await q.queue.deadLetter(id: letter.id) == letter)
        }
    }

    @Test func aRetriedThenSucceededTaskAndSkippedOrCanceledOnesAreNotDeadLetters() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2), task("b", before: ["c"]), task("c", after: ["b"])])
            for item in try await q.claim(2) {
                if item.ref.taskID == "a" { try await q.fail(item, retryDelay: .zero) } else { try await q.fail(item) }
            }
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.state("r1", "c") == "skipped")
            #expect(try await q.queue.deadLetters().map(\.ref) == ["r1/b"])

            try await q.submit("r2", [task("x")])
            _ = try await q.queue.cancelRun("r2", reason: "user")
            #expect(try await q.queue.deadLetters().map(\.ref) == ["r1/b"])
        }
    }

    @Test func aLeaseLostOnTheLastAttemptIsDeadLettered() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")])
            _ = try await q.claim(1, worker: "gone", lease: .seconds(1))
            q.clock.advance(by: .seconds(2))
            _ = try await q.queue.reapLeases(fence: q.fence)
            try await q.applyAll()
            let letter = try #require(try await q.queue.deadLetters().first)
            #expect(letter.ref == "r1/a")
            #expect(letter.reason.hasPrefix("lease lost: worker gone"))
            #expect(letter.attempts == 1)
            #expect(try await q.queue.deadLetters().count == 1)
        }
    }

    @Test func garbageInAReadyQueueIsDeadLetteredNotDropped() async throws {
        try await withQueue { q throws in
            _ = try await q.redis.send("ZADD", .string(q.queue.keys.ready(queue: "default")), "5", "junk")
            _ = try await q.redis.send("ZADD", .string(q.queue.keys.ready(queue: "default")), "4", "nope/x")
            #expect(try await q.claim(5).isEmpty)
            let letters = try await q.queue.deadLetters()
            #expect(letters.map(\.ref) == ["nope/x", "junk"])
            #expect(letters.allSatisfy { $0.reason == "not a task of any run" && $0.attempts == 0 })
            #expect(Set(letters.map(\.id)).count == 2)
            #expect(try await q.queue.requeueDeadLetter(id: letters[0].id) == .runGone(run: "nope"))
            #expect(try await q.queue.requeueDeadLetter(id: letters[1].id) == .runGone(run: ""))
            #expect(try await q.queue.deadLetters().count == 2)
        }
    }

    /// a -> b -> c, a -> d, and x failing on its own; y succeeds.
    @Test func requeueResetsTheTaskAndItsSkippedDependentsKeepsTheRestAndRemovesTheEntry() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["b", "d"]), task("b", after: ["a"], before: ["c"]), task("c", after: ["b"]),
                task("d", after: ["a"]), task("x"), task("y"),
            ])
            for item in try await q.claim(3) {
                if item.ref.taskID == "y" { try await q.succeed(item, output: "y-out") } else { try await q.fail(item) }
            }
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            let letters = try await q.queue.deadLetters()
            #expect(Set(letters.map(\.task)) == ["a", "x"])
            let a = try #require(letters.first { $0.task == "a" })

            let result = try await q.queue.requeueDeadLetter(id: a.id)
            guard case .requeued(let run, let count, _) = result else {
                Issue.record("expected a requeue, got \(result)")
                return
            }
            #expect(run == "r1" && count == 4)
            #expect(try await q.runField("r1", "state") == "running")
            #expect(try await q.state("r1", "a") == "ready")
            #expect(try await q.state("r1", "b") == "waiting")
            #expect(try await q.state("r1", "c") == "waiting")
            #expect(try await q.state("r1", "x") == "failed")
            #expect(try await q.state("r1", "y") == "succeeded")
            #expect(try await q.queue.deadLetters().map(\.task) == ["x"])
            #expect(try await q.queue.requeueDeadLetter(id: a.id) == .unknownDeadLetter)

            var claimed = try await q.claim(5)
            while !claimed.isEmpty {
                for next in claimed {
                    #expect(next.attempt == 1)
                    try await q.succeed(next)
                }
                try await q.applyAll()
                claimed = try await q.claim(5)
            }
            #expect(try await q.state("r1", "c") == "succeeded")
            #expect(try await q.runField("r1", "state") == "failed", "x is still failed")

            let x = try #require(try await q.queue.deadLetters().first)
            guard case .requeued(_, 1, _) = try await q.queue.requeueDeadLetter(id: x.id) else {
                Issue.record("expected x to be requeued")
                return
            }
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.queue.deadLetters().isEmpty)
        }
    }

    @Test func aDependentBlockedByAnotherFailureStaysSkipped() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["c"]), task("b", before: ["c"]), task("c", after: ["a", "b"])])
            for item in try await q.claim(2) { try await q.fail(item) }
            try await q.applyAll()
            let a = try #require(try await q.queue.deadLetters().first { $0.task == "a" })
            guard case .requeued(_, 1, _) = try await q.queue.requeueDeadLetter(id: a.id) else {
                Issue.record("expected only a to be requeued")
                return
            }
            #expect(try await q.state("r1", "c") == "skipped")
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }

    @Test func requeueRefusesAnUnfinishedRunAndPurgeEmptiesTheList() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", continueOnError: true), task("b")])
            let claimed = try await q.claim(2)
            try await q.fail(try #require(claimed.first { $0.ref.taskID == "a" }))
            try await q.applyAll()
            let a = try #require(try await q.queue.deadLetters().first)
            #expect(try await q.queue.requeueDeadLetter(id: a.id) == .runNotFinished(run: "r1", state: "running"))
            #expect(try await q.queue.deadLetters().count == 1)
            #expect(try await q.queue.purgeDeadLetters() == 1)
            #expect(try await q.queue.deadLetters().isEmpty)
            #expect(try await q.queue.purgeDeadLetters() == 0)
        }
    }
}
