import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `complete` with several results (group commit), output folded into results, inline apply,
/// and `append_output` batches.
@Suite("complete: batches and inline apply")
struct CompleteBatchTests {
    /// Run fields that let `complete` apply results inline (the coordinator stores them).
    static let inline = ["retention": "3600000"]

    func success(_ task: ClaimedTask, stdout: [String] = [], stderr: [String] = []) -> TaskCompletion {
        TaskCompletion(task: task, outcome: .succeeded, exitCode: 0, output: "out-\(task.ref.taskID)", error: nil,
                       retryDelay: nil, stdout: stdout, stderr: stderr)
    }

    func failure(_ task: ClaimedTask, retryDelay: Duration? = nil, stderr: [String] = []) -> TaskCompletion {
        TaskCompletion(task: task, outcome: .failed, exitCode: 1, output: "", error: "boom", retryDelay: retryDelay, stderr: stderr)
    }

    func events(_ q: QueueFixture, _ run: String) async throws -> [[String: String]] {
        try await q.queue.runEvents(run).map(\.fields)
    }

    @Test func staleTokensInABatchAreRefusedOneByOne() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b"), task("c")], fields: Self.inline)
            let claimed = try await q.claimExactly(3)
            let forged = ClaimedTask(ref: claimed[1].ref, token: "999999", attempt: 1, spec: claimed[1].spec, outputs: [:])
            let statuses = try await q.queue.complete([
                success(claimed[0]), success(forged, stdout: ["must not appear"]), failure(claimed[2]),
            ])
            #expect(statuses == [.recorded, .stale, .recorded])
            #expect(try await q.state("r1", "a") == "succeeded")
            #expect(try await q.state("r1", "b") == "running")
            #expect(try await q.state("r1", "c") == "failed")
            #expect(try await events(q, "r1").allSatisfy { $0["lines"] != "must not appear" })
            #expect(try await q.queue.complete([success(claimed[1])]) == [.recorded])
            #expect(try await q.runField("r1", "state") == "failed")
        }
    }

    @Test func aFinalResultReleasesDependentsInTheSameCall() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["c"]), task("b", before: ["c"]), task("c", after: ["a", "b"]),
            ], fields: Self.inline)
            let ab = try await q.claimExactly(2)
            #expect(try await q.queue.complete([success(ab[0])]) == [.recorded])
            #expect(try await q.state("r1", "c") == "waiting")
            #expect(try await q.queue.complete([success(ab[1])]) == [.recorded])
            #expect(try await q.state("r1", "c") == "ready")
            let c = try #require(try await q.claim(1).first)
            #expect(c.outputs.isEmpty)
            #expect(try await q.queue.complete([success(c)]) == [.recorded])
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.runField("r1", "pending") == "0")
            #expect(try await q.redis.send("PTTL", .string(q.queue.keys.run("r1"))).int ?? -1 > 0)
        }
    }

    @Test func anInlineAppliedResultAddsNoCoordinatorEventAndAReplayChangesNothing() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"]), task("x")], fields: Self.inline)
            let claimed = try await q.claim(2)
            #expect(try await q.queue.complete(claimed.map { success($0) }) == [.recorded, .recorded])
            #expect(try await q.state("r1", "b") == "ready")
            // Applied inline: nothing for the coordinator to read.
            #expect(try await q.redis.send("XLEN", .string(q.queue.keys.events)).int == 0)
            // An event for an applied result (one an older worker added, or a duplicate) changes nothing.
            for ref in ["r1/a", "r1/x"] {
                _ = try await q.redis.send("XADD", .string(q.queue.keys.events), "*", "ref", .string(ref))
            }
            let entries = try #require(try await q.redis.send("XRANGE", .string(q.queue.keys.events), "-", "+").array)
            let replay = entries.compactMap { entry -> (entryID: String, ref: String)? in
                guard let id = entry.array?.first?.string, let ref = entry.array?.last?.array?.last?.string else { return nil }
                return (id, ref)
            }
            #expect(replay.count == 2)
            try await q.queue.ensureCoordinatorGroup(on: q.queue.keys.events)
            #expect(try await q.applyAll() == 0)
            #expect(try await q.queue.applyEvents(replay, fence: q.fence, group: QueueClient.coordinatorGroup) == 0)
            let b = TaskRef(runID: "r1", taskID: "b")
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(b)), "deps").string == "0")
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.ready(queue: "default"))).int == 1)
            #expect(try await q.runField("r1", "pending") == "1")
            #expect(try await q.redis.send("XLEN", .string(q.queue.keys.events)).int == 0)
        }
    }

    @Test func aCallsEventsShareOneStreamEntryAndOneLiveMessage() async throws {
        try await withQueue { q throws in
            let subscriber = try RedisSubscriber(configuration: q.redis.configuration)
            defer { subscriber.close() }
            try await subscriber.subscribe([q.queue.keys.runLive("r1")])
            try await q.submit("r1", [task("a")], fields: Self.inline)
            let a = try #require(try await q.claim(1).first)
            let lines = ["say \"hi\" \\ back", "tab\there \u{01} é 日本 🚀"]
            #expect(try await q.queue.complete([success(a, stdout: lines)]) == [.recorded])
            let events = try await q.queue.runEvents("r1")
            // The last unstreamed lines travel inside the result's event.
            #expect(events.map { $0.fields["type"] } == ["run_queued", "task_started", "task_finished", "run_finished"])
            #expect(events[2].fields["stdout"] == lines.joined(separator: "\n"))
            // One entry per script call and run: complete's two events (the result and the run's
            // end) are one `batch` entry; a call with one event writes it as it is.
            let raw = try #require(try await q.redis.send("XRANGE", .string(q.queue.keys.runEvents("r1")), "-", "+").array)
            let types = raw.map { entry in
                let flat = entry.array?.last?.array ?? []
                return flat.count > 1 ? flat[1].string : nil
            }
            #expect(types == ["run_queued", "task_started", "batch"])
            #expect(events[2].id == events[3].id)
            // One live message per script call, holding the same events with their entry's id.
            var messages: [[StreamEntry]] = []
            for await message in subscriber.messages {
                messages.append(try StreamEntry.progressEvents(liveMessage: message.text))
                if messages.count == 3 { break }
            }
            #expect(messages.map(\.count) == [1, 1, 2])
            #expect(messages.flatMap { $0 } == events)
        }
    }

    @Test func nothingIsPublishedForARunNobodyFollows() async throws {
        try await withQueue { q throws in
            _ = try await q.redis.send("CONFIG", "RESETSTAT")
            try await q.submit("r1", [task("a")], fields: Self.inline)
            let a = try #require(try await q.claim(1).first)
            #expect(try await q.queue.complete([success(a, stdout: ["hi"])]) == [.recorded])
            #expect(try await q.runField("r1", "state") == "succeeded")
            // Commands run by scripts count in commandstats: not one PUBLISH went out.
            let stats = try #require(try await q.redis.send("INFO", "commandstats").string)
            #expect(stats.contains("cmdstat_xadd"))
            #expect(!stats.contains("cmdstat_publish"))
        }
    }

    @Test func aBatchMayMixRunsAndSettlesEach() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"])], fields: Self.inline)
            try await q.submit("r2", [task("a", priority: 5)], fields: Self.inline.merging(["failFast": "true"]) { $1 })
            try await q.submit("r3", [task("a", priority: 1, before: ["b"]), task("b", after: ["a"])])
            let claimed = try await q.claimExactly(3)
            #expect(claimed.map(\.ref.runID) == ["r1", "r2", "r3"])
            #expect(try await q.queue.complete([success(claimed[0]), failure(claimed[1]), success(claimed[2])])
                == [.recorded, .recorded, .recorded])
            #expect(try await q.state("r1", "b") == "ready")
            #expect(try await q.runField("r2", "state") == "failed")
            // r3 was stored without a retention (an older coordinator): the coordinator applies it,
            // so only its result adds an event.
            #expect(try await q.state("r3", "b") == "waiting")
            #expect(try await q.redis.send("XLEN", .string(q.queue.keys.events)).int == 1)
            #expect(try await q.applyAll() == 1)
            #expect(try await q.state("r3", "b") == "ready")
        }
    }

    @Test func aFailureSkipsDownstreamAndFailFastCancelsInline() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", priority: 50, before: ["b"]), task("b", after: ["a"]), task("slow"),
            ], fields: Self.inline.merging(["failFast": "true"]) { $1 })
            let claimed = try await q.claimExactly(2)
            #expect(try await q.queue.complete([failure(claimed[0])]) == [.recorded])
            #expect(try await q.state("r1", "b") == "skipped")
            #expect(try await q.state("r1", "slow") == "canceled")
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.queue.complete([success(claimed[1])]) == [.stale])
        }
    }

    @Test func unstreamedOutputTravelsInTheResultsEvent() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2), task("b")], fields: Self.inline)
            let claimed = try await q.claimExactly(2)
            #expect(try await q.queue.complete([success(claimed[1], stdout: ["one", "two"], stderr: ["warn"])]) == [.recorded])
            #expect(try await q.queue.complete([failure(claimed[0], retryDelay: .seconds(60), stderr: ["boom"])]) == [.retrying])
            let events = try await events(q, "r1")
            #expect(events.map { $0["type"] } == ["run_queued", "task_started", "task_started", "task_finished", "task_retrying"])
            #expect(events[3]["stdout"] == "one\ntwo")
            #expect(events[3]["stderr"] == "warn")
            #expect(events[4]["stdout"] == nil)
            #expect(events[4]["stderr"] == "boom")
        }
    }

    @Test func appendOutputTakesBatchesOfSeveralTasks() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b")], fields: Self.inline)
            let claimed = try await q.claimExactly(2)
            let forged = ClaimedTask(ref: claimed[1].ref, token: "999999", attempt: 1, spec: claimed[1].spec, outputs: [:])
            let added = try await q.queue.appendOutput([
                OutputAppend(task: claimed[0], stream: "stdout", lines: ["x", "y"]),
                OutputAppend(task: forged, stream: "stderr", lines: ["dropped"]),
                OutputAppend(task: claimed[1], stream: "stderr", lines: ["z"]),
            ])
            #expect(added == [true, false, true])
            let lines = try await events(q, "r1").compactMap { $0["lines"] }
            #expect(lines == ["x\ny", "z"])
        }
    }
}
