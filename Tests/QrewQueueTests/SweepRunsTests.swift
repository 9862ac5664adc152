import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// Long operations on a big run are done in slices (docs/protocol.md, *Long operations in
/// slices*): cancel, retry, a failFast failure, and skips or releases too big for one call. Each
/// test stops a caller after its first slice (`callLimit`), as a killed `qctl` would, and lets
/// another caller or the coordinator's `sweep_runs` finish, then checks the result is exactly
/// what one atomic call gave: every task counted once, one `run_finished`, nothing left behind.
@Suite("sweep_runs and continue_run: long operations in slices")
struct SweepRunsTests {
    static let fan = 9_999
    static let chains = 1_000
    static let chainLength = 10
    static let total = 1 + fan + chains * chainLength
    /// Tasks one call visits in these tests: a 20,000-task run takes dozens of calls.
    static let budget = 500

    /// 20,000 tasks: `a` (the best priority) with 9,999 dependents (`f1`...), and 1,000 chains of
    /// 10 (`c0-0` -> `c0-1` ...). Stored with a retention, so results are applied by `complete`.
    func bigRun(_ run: String, failFast: Bool = false) -> RunRecord {
        let fanIDs = (1...Self.fan).map { "f\($0)" }
        var tasks = [task("a", priority: 100, before: fanIDs, limits: [])]
        tasks += fanIDs.map { task($0, after: ["a"], limits: []) }
        for chain in 0..<Self.chains {
            for link in 0..<Self.chainLength {
                tasks.append(task(
                    "c\(chain)-\(link)", after: link == 0 ? [] : ["c\(chain)-\(link - 1)"],
                    before: link == Self.chainLength - 1 ? [] : ["c\(chain)-\(link + 1)"], limits: []))
            }
        }
        return RunRecord(
            runID: run, fields: ["failFast": failFast ? "true" : "false", "retention": "3600000"], limits: [:], tasks: tasks)
    }

    /// How many tasks of the run are in each state.
    func states(_ q: QueueFixture, _ run: String) async throws -> [String: Int] {
        let ids = try await q.redis.send("LRANGE", .string(q.queue.keys.runTasks(run)), 0, -1).array?.compactMap(\.string) ?? []
        var counts: [String: Int] = [:]
        for start in stride(from: 0, to: ids.count, by: 1000) {
            let replies = try await q.redis.pipeline(ids[start..<min(start + 1000, ids.count)].map {
                ["HGET", .string(q.queue.keys.task(TaskRef(runID: run, taskID: $0))), "state"]
            })
            for reply in replies { counts[reply.string ?? "missing", default: 0] += 1 }
        }
        return counts
    }

    /// The run's progress events of `type` after stream entry `after`.
    func events(_ q: QueueFixture, _ run: String, type: String, after: String = "0") async throws -> [StreamEntry] {
        var found: [StreamEntry] = []
        var last = after
        while true {
            let page = try await q.queue.runEvents(run, after: last, count: 200)
            guard let end = page.last?.id else { return found }
            found += page.filter { $0.fields["type"] == type }
            last = end
        }
    }

    /// What the coordinator's maintenance loop does: `sweep_runs` until no run has work left.
    /// Returns the number of calls.
    @discardableResult
    func sweep(_ q: QueueFixture) async throws -> Int {
        var calls = 0
        repeat {
            calls += 1
            try #require(calls < 10_000, "sweep_runs never ran out of work")
        } while try await q.queue.sweepRuns(fence: q.fence, budget: Self.budget).more
        return calls
    }

    /// Nothing of the sliced work is left: no walk list, retry job, cancel cursor or index entry.
    func expectNoLeftovers(_ q: QueueFixture, _ run: String) async throws {
        let keys = q.queue.keys
        let retry = keys.runRetry(run)
        #expect(try await q.redis.send(
            "EXISTS", .string(keys.runWalk(run)), .string(retry), .string(retry + ":marks"), .string(retry + ":frontier"),
            .string(retry + ":ids")).int == 0)
        #expect(try await q.redis.send("ZCARD", .string(keys.sweeping)).int == 0)
        #expect(try await q.runField(run, "cancelCursor") == nil)
    }

    func readyCount(_ q: QueueFixture) async throws -> Int {
        try await q.redis.send("ZCARD", .string(q.queue.keys.ready(queue: "default"))).int ?? -1
    }

    @Test func aBigCancelIsSlicedAndTheCoordinatorFinishesItWhenTheCallerStops() async throws {
        try await withQueue { q throws in
            _ = try await q.queue.submitRun(bigRun("r1"), fence: q.fence)
            // `a` and every chain head run; the last one claimed is far from the first slice.
            let running = try await q.claimExactly(1 + Self.chains)

            let first = try #require(try await q.queue.cancelRun(
                "r1", reason: "by user", budget: Self.budget, callLimit: 1))
            #expect(first > 0 && first <= Self.budget)
            #expect(try await q.runField("r1", "state") == "canceling")
            #expect(try await q.runField("r1", "finishedAt") == nil)
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.sweeping), "r1").string != nil)
            // From the first call on, nothing of the run starts and its results are refused:
            // the task of a refused result ends canceled at once.
            #expect(try await q.claim(10).isEmpty)
            let late = try #require(running.last)
            #expect(try await q.succeed(late) == false)
            #expect(try await q.state("r1", late.ref.taskID) == "canceled")

            // The caller died; the coordinator's maintenance loop finishes the job.
            #expect(try await sweep(q) > 10)
            #expect(try await states(q, "r1") == ["canceled": Self.total])
            #expect(try await q.runField("r1", "state") == "canceled")
            #expect(try await q.runField("r1", "pending") == "0")
            #expect(try await events(q, "r1", type: "run_finished").count == 1)
            #expect(try await events(q, "r1", type: "task_finished").count == Self.total)
            #expect(try await readyCount(q) == 0)
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.leases)).int == 0)
            try await expectNoLeftovers(q, "r1")
        }
    }

    @Test func aCallerThatKeepsCallingCancelsTheWholeRunInSlices() async throws {
        try await withQueue { q throws in
            _ = try await q.queue.submitRun(bigRun("r1"), fence: q.fence)
            let first = try #require(try await q.queue.cancelRun(
                "r1", reason: "by user", budget: Self.budget, callLimit: 1))
            // Another qctl goes on where the first stopped; together they cancel each task once.
            let rest = try #require(try await q.queue.cancelRun("r1", reason: "again", budget: Self.budget))
            #expect(first + rest == Self.total)
            #expect(try await q.runField("r1", "state") == "canceled")
            #expect(try await q.runField("r1", "cancelReason") == "by user")
            // One stream entry per call: the events came in dozens of calls.
            #expect(try await q.redis.send("XLEN", .string(q.queue.keys.runEvents("r1"))).int ?? 0 >= Self.total / Self.budget)
            #expect(try await events(q, "r1", type: "run_finished").count == 1)
            #expect(try await q.queue.cancelRun("r1", reason: "once more") == 0)
            try await expectNoLeftovers(q, "r1")
        }
    }

    @Test func aBigRetryIsSlicedAndAnotherCallerFinishesIt() async throws {
        try await withQueue { q throws in
            _ = try await q.queue.submitRun(bigRun("r1"), fence: q.fence)
            _ = try await q.queue.cancelRun("r1", reason: "by user")
            let canceledAt = try #require(try await q.redis.send("PTTL", .string(q.queue.keys.run("r1"))).int)
            #expect(canceledAt > 0)

            let started = try await q.queue.retryRun("r1", fresh: false, budget: Self.budget, callLimit: 1)
            #expect(started == .unfinished(state: "retrying"))
            #expect(try await q.runField("r1", "finishedAt") == nil)
            #expect(try await q.redis.send("PTTL", .string(q.queue.keys.run("r1"))).int == -1)
            // Nothing of a run being retried is claimable, and it cannot be retried twice.
            #expect(try await q.claim(10).isEmpty)
            #expect(try await q.queue.retryRun("r1", fresh: false) == .notFinished(state: "retrying"))

            // The first qctl died; another client goes on (the coordinator would too).
            var progress = try await q.queue.continueRun("r1", budget: Self.budget)
            var calls = 1
            while progress.more {
                progress = try await q.queue.continueRun("r1", budget: Self.budget)
                calls += 1
            }
            #expect(calls > 10)
            #expect(progress.state == "running")
            #expect(progress.retried == String(Self.total))
            let retried = try await events(q, "r1", type: "run_retried")
            #expect(retried.count == 1)
            #expect(retried.first?.id == progress.retriedEvent)
            #expect(retried.first?.fields["tasks"] == String(Self.total))

            // Exactly what one atomic retry gave: the dependency-free tasks queued, the others
            // waiting for their one dependency, every task counted once.
            #expect(try await states(q, "r1") == ["ready": 1 + Self.chains, "waiting": Self.fan + Self.chains * (Self.chainLength - 1)])
            #expect(try await readyCount(q) == 1 + Self.chains)
            #expect(try await q.runField("r1", "pending") == String(Self.total))
            for id in ["f1", "f\(Self.fan)", "c0-1", "c\(Self.chains - 1)-9"] {
                #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: id))), "deps").string == "1")
            }
            try await expectNoLeftovers(q, "r1")

            // `a` succeeds: its 9,999 dependents are released a budget at a time, the rest by
            // the coordinator, each exactly once.
            let a = try #require(try await q.claim(1).first)
            #expect(a.ref.taskID == "a")
            #expect(try await q.succeed(a))
            let queuedAtOnce = try await readyCount(q) - Self.chains
            #expect(queuedAtOnce > 0 && queuedAtOnce <= 1000)
            try await sweep(q)
            #expect(try await readyCount(q) == Self.chains + Self.fan)
            #expect(try await states(q, "r1")["ready"] == Self.chains + Self.fan)
            #expect(try await q.runField("r1", "pending") == String(Self.total - 1))
            try await expectNoLeftovers(q, "r1")
        }
    }

    @Test func aBigFailFastFailureSkipsAndCancelsInSlices() async throws {
        try await withQueue { q throws in
            _ = try await q.queue.submitRun(bigRun("r1", failFast: true), fence: q.fence)
            let a = try #require(try await q.claim(1).first)
            #expect(a.ref.taskID == "a")
            #expect(try await q.fail(a))
            #expect(try await q.runField("r1", "state") == "canceling")
            #expect(try await q.runField("r1", "cancelState") == "failed")
            #expect(try await q.claim(10).isEmpty)

            #expect(try await sweep(q) > 10)
            #expect(try await states(q, "r1") == ["failed": 1, "skipped": Self.fan, "canceled": Self.chains * Self.chainLength])
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.runField("r1", "pending") == "0")
            #expect(try await events(q, "r1", type: "run_finished").count == 1)
            #expect(try await q.redis.send("LLEN", .string(q.queue.keys.deadLetters)).int == 1)
            #expect(try await readyCount(q) == 0)
            try await expectNoLeftovers(q, "r1")

            // Requeueing `a` resets it and the 9,999 tasks its failure skipped (not the canceled
            // chains, which keep the run failed), in slices finished by the coordinator.
            let letter = try #require(try await q.queue.deadLetters().first)
            let requeued = try await q.queue.requeueDeadLetter(id: letter.id, budget: Self.budget, callLimit: 1)
            #expect(requeued == .unfinished(run: "r1", state: "retrying"))
            #expect(try await q.redis.send("LLEN", .string(q.queue.keys.deadLetters)).int == 0)
            try await sweep(q)
            #expect(try await q.runField("r1", "retried") == String(1 + Self.fan))
            #expect(try await q.runField("r1", "failedTasks") == "1")
            #expect(try await states(q, "r1") == ["ready": 1, "waiting": Self.fan, "canceled": Self.chains * Self.chainLength])
            #expect(try await q.runField("r1", "pending") == String(1 + Self.fan))
            try await expectNoLeftovers(q, "r1")
        }
    }

    @Test func aCancelWhileARetryIsUnderWayEndsTheRetryAndCountsEachTaskOnce() async throws {
        try await withQueue { q throws in
            _ = try await q.queue.submitRun(bigRun("r1"), fence: q.fence)
            _ = try await q.queue.cancelRun("r1", reason: "first")
            let retryStart = try #require(try await q.queue.runEvents("r1").last?.id)
            #expect(try await q.queue.retryRun("r1", fresh: true, budget: Self.budget, callLimit: 1) == .unfinished(state: "retrying"))
            let reset = try #require(Int(try await q.runField("r1", "pending") ?? ""))
            #expect(reset > 0 && reset < Self.total)

            let canceled = try await q.queue.cancelRun("r1", reason: "second", budget: Self.budget)
            #expect(canceled == reset)
            #expect(try await q.runField("r1", "state") == "canceled")
            #expect(try await q.runField("r1", "pending") == "0")
            #expect(try await states(q, "r1") == ["canceled": Self.total])
            #expect(try await events(q, "r1", type: "run_finished", after: retryStart).count == 1)
            #expect(try await events(q, "r1", type: "run_retried", after: retryStart).isEmpty)
            try await expectNoLeftovers(q, "r1")
        }
    }

    @Test func nothingToRetryGivesTheRunBackItsFinishedStateAndExpiry() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a")], fields: ["retention": "60000"])
            try await q.succeed(try #require(try await q.claim(1).first))
            #expect(try await q.runField("r1", "state") == "succeeded")
            let finishedAt = try await q.runField("r1", "finishedAt")
            #expect(try await q.queue.retryRun("r1", fresh: false) == .nothingToRetry)
            #expect(try await q.runField("r1", "state") == "succeeded")
            #expect(try await q.runField("r1", "finishedAt") == finishedAt)
            #expect(try await q.redis.send("PTTL", .string(q.queue.keys.run("r1"))).int ?? 0 > 0)
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.expiring), "r1").string != nil)
            try await expectNoLeftovers(q, "r1")
        }
    }

    @Test func aClaimExaminesABoundedNumberOfBlockedTasksAndWakesItselfForTheRest() async throws {
        try await withQueue { q throws in
            try await q.submit("holder", [task("h", limits: ["pool:db"])], limits: ["pool:db": 1])
            _ = try await q.claimExactly(1)
            try await q.submit("many", (0..<2_500).map { task("t\($0)", limits: ["pool:db"]) }, limits: ["pool:db": 1])
            let wake = q.queue.keys.wake(queue: "default")
            _ = try await q.redis.send("DEL", .string(wake))

            #expect(try await q.claim(1).isEmpty)
            #expect(try await readyCount(q) == 2_500 - 1_001)
            #expect(try await q.redis.send("LLEN", .string(wake)).int == 1)
            _ = try await q.redis.send("DEL", .string(wake))
            #expect(try await q.claim(1).isEmpty)
            #expect(try await q.claim(1).isEmpty)
            #expect(try await readyCount(q) == 0)
            #expect(try await q.redis.send("ZCARD", "qt:pool:db:parked").int == 2_500)
        }
    }

    @Test func callsWithThousandsOfMembersStayWithinLuasUnpackLimit() async throws {
        try await withQueue { q throws in
            try await q.submit("wide", (0..<5_000).map { task("t\($0)", limits: []) }, limits: [:], fields: ["retention": "60000"])
            let claimed = try await q.claimExactly(5_000)
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.leases)).int == 5_000)
            let statuses = try await q.queue.complete(claimed.map {
                TaskCompletion(task: $0, outcome: .succeeded, exitCode: 0, output: "", error: nil, retryDelay: nil)
            })
            #expect(statuses.allSatisfy { $0 == .recorded })
            #expect(try await q.runField("wide", "state") == "succeeded")
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.leases)).int == 0)
        }
    }
}
