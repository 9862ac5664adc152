import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `expand_task` and the join of a dynamic fan-out (lib/fanout), on a real redis-server: a list
/// step, the fan-out's placeholder on the `__expand` queue, and a dependent of the fan-out.
@Suite("expand_task")
struct ExpandTaskTests {
    /// list → fan (placeholder) → after; `retention` makes `complete` apply results inline.
    func submitFanOut(_ q: QueueFixture, inline: Bool = true) async throws {
        try await q.submit("r1", [
            task("list", before: ["fan"]),
            TaskRecord(
                id: "fan", step: "fan", queue: QueueClient.fanOutQueue, priority: 10, deps: 1, dependents: ["after"],
                limits: [], refs: ["list"], spec: #"{"type":"echo"}"#, maxAttempts: 1, continueOnError: false),
            task("after", after: ["fan"], refs: ["fan"]),
        ], fields: inline ? ["retention": "600000"] : [:])
    }

    /// Runs `list` with `output` and claims the placeholder, whose claim carries that output.
    func claimPlaceholder(_ q: QueueFixture, listOutput output: String) async throws -> ClaimedTask {
        try await q.succeed(try #require(try await q.claim(1).first), output: output)
        try await q.applyAll()
        let placeholder = try #require(
            try await q.queue.claim(worker: "coordinator", lease: .seconds(60), max: 10, queues: [QueueClient.fanOutQueue]).first)
        #expect(placeholder.ref.taskID == "fan")
        #expect(placeholder.outputs["list"] == output)
        return placeholder
    }

    func child(_ index: Int, continueOnError: Bool = false) -> TaskRecord {
        task("fan[\(index)]", limits: ["run"], continueOnError: continueOnError, fields: ["join": "fan"])
    }

    func taskList(_ q: QueueFixture) async throws -> [String] {
        try #require(try await q.redis.send("LRANGE", .string(q.queue.keys.run("r1") + ":tasks"), "0", "-1").array)
            .compactMap(\.string)
    }

    @Test(arguments: [true, false])
    func childrenRunAndTheJoinCollectsTheirOutputsInOrder(inline: Bool) async throws {
        try await withQueue { q throws in
            try await submitFanOut(q, inline: inline)
            let placeholder = try await claimPlaceholder(q, listOutput: #"["a","b","c"]"#)
            let outcome = try await q.queue.expandTask(placeholder, children: (0..<3).map { child($0) }, fence: q.fence)
            #expect(outcome == .expanded)
            #expect(try await q.state("r1", "fan") == "expanded")
            #expect(try await q.runField("r1", "total") == "6")
            #expect(try await taskList(q) == ["list", "fan", "after", "fan[0]", "fan[1]", "fan[2]"])

            let children = try await q.claimExactly(3)
            #expect(Set(children.map(\.ref.taskID)) == ["fan[0]", "fan[1]", "fan[2]"])
            for item in children.reversed() {
                #expect(try await q.state("r1", "after") == "waiting")
                try await q.succeed(item, output: item.ref.taskID.uppercased())
                try await q.applyAll()
            }
            #expect(try await q.state("r1", "fan") == "succeeded")
            let output = try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "fan"))), "output").string
            #expect(output == #"["FAN[0]","FAN[1]","FAN[2]"]"#)
            let after = try #require(try await q.claim(1).first)
            #expect(after.ref.taskID == "after")
            #expect(after.outputs["fan"] == output)
            try await q.succeed(after)
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.runField("r1", "pending") == "0")
        }
    }

    @Test func aReplayedExpansionChangesNothing() async throws {
        try await withQueue { q throws in
            try await submitFanOut(q)
            let placeholder = try await claimPlaceholder(q, listOutput: #"["a","b"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: [child(0), child(1)], fence: q.fence) == .expanded)
            #expect(try await q.queue.expandTask(placeholder, children: [child(0), child(1)], fence: q.fence) == .stale)
            #expect(try await q.queue.expandTask(placeholder, children: [], error: "late", fence: q.fence) == .stale)
            #expect(try await q.runField("r1", "total") == "5")
            #expect(try await q.runField("r1", "pending") == "4")  // list done; fan, after and two tasks left
            #expect(try await taskList(q).count == 5)
            #expect(try await q.claim(10).count == 2)
        }
    }

    @Test func anEmptyListEndsTheJoinAtOnceWithAnEmptyArray() async throws {
        try await withQueue { q throws in
            try await submitFanOut(q)
            let placeholder = try await claimPlaceholder(q, listOutput: "[]")
            #expect(try await q.queue.expandTask(placeholder, children: [], fence: q.fence) == .expanded)
            #expect(try await q.state("r1", "fan") == "succeeded")
            let after = try #require(try await q.claim(1).first)
            #expect(after.outputs["fan"] == "[]")
            try await q.succeed(after)
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func anUnusableListFailsThePlaceholderAndSkipsItsDependents() async throws {
        try await withQueue { q throws in
            try await submitFanOut(q)
            let placeholder = try await claimPlaceholder(q, listOutput: "not json")
            let outcome = try await q.queue.expandTask(placeholder, children: [], error: "not a JSON array", fence: q.fence)
            #expect(outcome == .failed)
            #expect(try await q.state("r1", "fan") == "failed")
            #expect(try await q.state("r1", "after") == "skipped")
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }

    @Test func aFailedChildFailsTheJoinUnlessItContinuesOnError() async throws {
        try await withQueue { q throws in
            try await submitFanOut(q)
            let placeholder = try await claimPlaceholder(q, listOutput: #"["a","b"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: [child(0), child(1)], fence: q.fence) == .expanded)
            let children = try await q.claimExactly(2)
            try await q.fail(children[0])
            #expect(try await q.state("r1", "fan") == "expanded")
            try await q.succeed(children[1])
            #expect(try await q.state("r1", "fan") == "failed")
            #expect(try await q.state("r1", "after") == "skipped")
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.runField("r1", "pending") == "0")
        }
        try await withQueue { q throws in
            try await submitFanOut(q)
            let placeholder = try await claimPlaceholder(q, listOutput: #"["a"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: [child(0, continueOnError: true)], fence: q.fence) == .expanded)
            try await q.fail(try #require(try await q.claim(1).first))
            #expect(try await q.state("r1", "fan") == "succeeded")
            #expect(try await q.state("r1", "after") == "ready")
        }
    }

    @Test func aFailFastFailureOfATaskCancelsTheJoinWithTheRest() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("list", before: ["fan"]),
                TaskRecord(
                    id: "fan", step: "fan", queue: QueueClient.fanOutQueue, priority: 10, deps: 1, dependents: ["after"],
                    limits: [], refs: ["list"], spec: #"{"type":"echo"}"#, maxAttempts: 1, continueOnError: false),
                task("after", after: ["fan"]),
            ], fields: ["retention": "600000", "failFast": "true"])
            let placeholder = try await claimPlaceholder(q, listOutput: #"["a","b"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: [child(0), child(1)], fence: q.fence) == .expanded)
            let children = try await q.claimExactly(2)
            try await q.fail(children[0])
            #expect(try await q.state("r1", "fan") == "canceled")
            #expect(try await q.state("r1", "after") == "canceled")
            #expect(try await q.state("r1", "fan[1]") == "canceled")
            #expect(try await q.succeed(children[1]) == false)
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.runField("r1", "pending") == "0")
        }
    }

    @Test func cancelingAnExpandedRunEndsTheJoinAndItsChildren() async throws {
        try await withQueue { q throws in
            try await submitFanOut(q)
            let placeholder = try await claimPlaceholder(q, listOutput: #"["a","b"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: [child(0), child(1)], fence: q.fence) == .expanded)
            let running = try #require(try await q.claim(1).first)
            #expect(try await q.queue.cancelRun("r1", reason: "by user") == 4)
            #expect(try await q.state("r1", "fan") == "canceled")
            #expect(try await q.state("r1", "after") == "canceled")
            #expect(try await q.succeed(running) == false)
            #expect(try await q.runField("r1", "state") == "canceled")
            #expect(try await q.runField("r1", "pending") == "0")
        }
    }

    /// In-place retry (without `fresh`) is in RetryFanOutTests.
    @Test func aRunWithAnExpandedFanOutIsNotRetriedFresh() async throws {
        try await withQueue { q throws in
            try await submitFanOut(q)
            let placeholder = try await claimPlaceholder(q, listOutput: #"["a"]"#)
            #expect(try await q.queue.expandTask(placeholder, children: [child(0)], fence: q.fence) == .expanded)
            try await q.fail(try #require(try await q.claim(1).first))
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.queue.retryRun("r1", fresh: true) == .hasDynamicFanOut(state: "failed"))
            #expect(try await q.state("r1", "fan[0]") == "failed")
        }
    }

    @Test func aPlaceholderOfACanceledRunIsNotExpanded() async throws {
        try await withQueue { q throws in
            try await submitFanOut(q)
            let placeholder = try await claimPlaceholder(q, listOutput: #"["a"]"#)
            _ = try await q.queue.cancelRun("r1", reason: "by user")
            #expect(try await q.queue.expandTask(placeholder, children: [child(0)], fence: q.fence) == .stale)
            #expect(try await taskList(q).count == 3)
            #expect(try await q.runField("r1", "state") == "canceled")
        }
    }
}
