import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `retry_run` of a run with a dynamic fan-out (lib/retry `reopen_join`), on a real redis-server:
/// the unsuccessful children of an expanded join run again in place, the join counts them down
/// again and ends with every child's output; a placeholder whose list step failed waits for it
/// again and expands when it runs. Budgets of 1 task per call run the retry in many slices.
@Suite("retry_run with a dynamic fan-out")
struct RetryFanOutTests {
    let fanOut = ExpandTaskTests()

    func output(_ q: QueueFixture, _ id: String) async throws -> String? {
        try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: id))), "output").string
    }

    @Test(arguments: [1, QueueClient.sliceBudget])
    func failedChildrenRunAgainAndTheJoinReopens(budget: Int) async throws {
        try await withQueue { q throws in
            try await fanOut.submitFanOut(q)
            let placeholder = try await fanOut.claimPlaceholder(q, listOutput: #"["a","b","c"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: (0..<3).map { fanOut.child($0) }, fence: q.fence) == .expanded)
            let children = try await q.claimExactly(3).sorted { $0.ref.taskID < $1.ref.taskID }
            try await q.succeed(children[0], output: "A")
            try await q.fail(children[1])
            try await q.succeed(children[2], output: "C")
            try await q.applyAll()
            #expect(try await q.state("r1", "fan") == "failed")
            #expect(try await q.state("r1", "after") == "skipped")
            #expect(try await q.runField("r1", "state") == "failed")

            #expect(try await q.queue.retryRun("r1", fresh: true) == .hasDynamicFanOut(state: "failed"))
            guard case .retried(let count, _) = try await q.queue.retryRun("r1", fresh: false, budget: budget) else {
                Issue.record("not retried")
                return
            }
            #expect(count == 3, "the join, fan[1] and after")
            #expect(try await q.runField("r1", "state") == "running")
            #expect(try await q.state("r1", "fan") == "expanded")
            #expect(try await q.state("r1", "fan[0]") == "succeeded")
            #expect(try await q.state("r1", "fan[1]") == "ready")
            #expect(try await q.state("r1", "after") == "waiting")
            #expect(try await fanOut.taskList(q) == ["list", "fan", "after", "fan[0]", "fan[1]", "fan[2]"], "not expanded again")
            #expect(try await q.runField("r1", "total") == "6")

            let again = try #require(try await q.claim(1).first)
            #expect(again.ref.taskID == "fan[1]")
            #expect(try await q.claim(1).isEmpty, "nothing else is ready")
            try await q.succeed(again, output: "B")
            try await q.applyAll()
            #expect(try await q.state("r1", "fan") == "succeeded")
            #expect(try await output(q, "fan") == #"["A","B","C"]"#)
            let after = try #require(try await q.claim(1).first)
            #expect(after.ref.taskID == "after")
            #expect(after.outputs["fan"] == #"["A","B","C"]"#)
            try await q.succeed(after)
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.runField("r1", "pending") == "0")
        }
    }

    @Test func aCanceledFanOutRunsItsUnfinishedChildrenAgain() async throws {
        try await withQueue { q throws in
            try await fanOut.submitFanOut(q)
            let placeholder = try await fanOut.claimPlaceholder(q, listOutput: #"["a","b"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: [fanOut.child(0), fanOut.child(1)], fence: q.fence) == .expanded)
            let first = try #require(try await q.claim(1).first)
            try await q.succeed(first, output: "first")
            try await q.applyAll()
            _ = try await q.queue.cancelRun("r1", reason: "by user")
            #expect(try await q.runField("r1", "state") == "canceled")
            let done = first.ref.taskID, open = done == "fan[0]" ? "fan[1]" : "fan[0]"
            #expect(try await q.state("r1", open) == "canceled")

            guard case .retried(let count, _) = try await q.queue.retryRun("r1", fresh: false) else {
                Issue.record("not retried")
                return
            }
            #expect(count == 3, "the join, \(open) and after")
            #expect(try await q.state("r1", done) == "succeeded")
            let rerun = try #require(try await q.claim(1).first)
            #expect(rerun.ref.taskID == open)
            try await q.succeed(rerun, output: "second")
            try await q.applyAll()
            let expected = done == "fan[0]" ? #"["first","second"]"# : #"["second","first"]"#
            #expect(try await output(q, "fan") == expected)
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func aPlaceholderWhoseListFailedWaitsForItAgainAndExpands() async throws {
        try await withQueue { q throws in
            try await fanOut.submitFanOut(q)
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.state("r1", "fan") == "skipped")
            #expect(try await q.runField("r1", "state") == "failed")

            guard case .retried(let count, _) = try await q.queue.retryRun("r1", fresh: false) else {
                Issue.record("not retried")
                return
            }
            #expect(count == 3)
            #expect(try await q.state("r1", "fan") == "waiting")
            let placeholder = try await fanOut.claimPlaceholder(q, listOutput: #"["a"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: [fanOut.child(0)], fence: q.fence) == .expanded)
            try await q.succeed(try #require(try await q.claim(1).first), output: "A")
            try await q.applyAll()
            #expect(try await output(q, "fan") == #"["A"]"#)
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func aSucceededJoinKeepsItsChildren() async throws {
        try await withQueue { q throws in
            try await fanOut.submitFanOut(q)
            let placeholder = try await fanOut.claimPlaceholder(q, listOutput: #"["a"]"#)
            #expect(try await q.queue.expandTask(
                placeholder, children: [fanOut.child(0, continueOnError: true)], fence: q.fence) == .expanded)
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.state("r1", "fan") == "succeeded")
            try await q.succeed(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.queue.retryRun("r1", fresh: false) == .nothingToRetry)
            #expect(try await q.state("r1", "fan[0]") == "failed")
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }
}
