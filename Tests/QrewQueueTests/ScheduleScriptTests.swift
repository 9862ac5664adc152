import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// The schedule scripts on a real redis-server with the manual clock: `fireDueSchedules` (the
/// leader's pass: `due_schedules`, then `fire_schedule` per schedule) fires each tick once
/// however often it runs, advances the schedule with its submissions, follows catchUp and
/// overlap, and leaves paused and removed schedules alone.
@Suite("schedule scripts")
struct ScheduleScriptTests {
    private func add(_ q: QueueFixture, _ name: String = "tick", cron: String = "* * * * *",
                     catchUp: ScheduleSpec.CatchUp = .one, overlap: ScheduleSpec.Overlap = .allow) async throws {
        let spec = ScheduleSpec(cron: cron, catchUp: catchUp, overlap: overlap)
        #expect(try await q.queue.addSchedule(name: name, spec: spec, fileName: "w.yaml", workflow: "name: w", params: ["p": "1"], replace: false))
    }

    private func submissions(_ q: QueueFixture) async throws -> [String] {
        let entries = try await q.redis.send("XRANGE", .string(q.queue.keys.submissions), "-", "+").array ?? []
        return entries.compactMap { entry in
            let fields = entry.array?.last?.array?.compactMap(\.string) ?? []
            return stride(from: 0, to: fields.count - 1, by: 2).first { fields[$0] == "run" }.map { fields[$0 + 1] }
        }
    }

    private func fire(_ q: QueueFixture) async throws -> ScheduleFiring { try await q.queue.fireDueSchedules(fence: q.fence) }

    /// Moves the manual clock to just past the schedule's next tick.
    private func reachNextTick(_ q: QueueFixture, _ name: String = "tick", past: Duration = .seconds(1)) async throws -> Int {
        let next = try #require(try await q.queue.schedule(name)?.next)
        let now = try await q.queue.serverTime()
        q.clock.advance(by: .milliseconds(next - now) + past)
        return next
    }

    @Test func eachTickFiresOnceAndAdvancesTheSchedule() async throws {
        try await withQueue { q throws in
            try await add(q)
            #expect(try await fire(q).submitted.isEmpty, "a new schedule only learns its first tick")
            let first = try await reachNextTick(q)
            let fired = try await fire(q)
            let runID = ScheduleSpec.runID(schedule: "tick", tick: Date(timeIntervalSince1970: Double(first) / 1000))
            #expect(fired.submitted == [runID])
            #expect(try await fire(q).submitted.isEmpty, "the same tick never fires twice")
            let stored = try #require(try await q.queue.schedule("tick"))
            #expect(stored.next == first + 60_000 && stored.lastRun == runID && stored.lastTick == first && stored.fired == 1)
            #expect(try await submissions(q) == [runID])
            #expect(fired.nextDue.map { $0 <= .seconds(60) } == true)
        }
    }

    @Test func aCallPlannedFromAnOldTickChangesNothing() async throws {
        try await withQueue { q throws in
            try await add(q)
            _ = try await fire(q)
            let first = try await reachNextTick(q)
            _ = try await fire(q)
            // A second coordinator call that planned from the same (now stale) tick: a replay.
            let replay = try await q.queue.redis.send(
                "EVAL", .string(try ScriptLibrary.bundled.get()[.fireSchedule].source), "0", "qt", .int(q.clock.offset), "1000",
                .string(q.fence), "tick", .string(String(first)), .string(String(first + 60_000)), .int(first), "tick-dup")
            #expect(replay.array?.last?.string == "stale", "\(replay)")
            #expect(try await submissions(q).count == 1)
        }
    }

    @Test func anOldLeaderIsFenced() async throws {
        try await withQueue { q throws in
            try await add(q)
            await #expect(throws: QueueError.self) { _ = try await q.queue.fireDueSchedules(fence: "someone:else") }
        }
    }

    @Test(arguments: [(ScheduleSpec.CatchUp.none, 0), (.one, 1), (.all, 3)])
    func missedTicksFollowCatchUp(catchUp: ScheduleSpec.CatchUp, runs: Int) async throws {
        try await withQueue { q throws in
            try await add(q, cron: "*/5 * * * *", catchUp: catchUp)
            _ = try await fire(q)
            // No coordinator for over ten minutes: three ticks pass, the last one 90 s late.
            _ = try await reachNextTick(q, past: .seconds(10 * 60 + 90))
            let fired = try await fire(q)
            #expect(fired.submitted.count == runs, "\(fired.submitted)")
            #expect(try await submissions(q).count == runs)
            let stored = try #require(try await q.queue.schedule("tick"))
            let now = try await q.queue.serverTime()
            #expect(try #require(stored.next) > now, "the schedule waits for a tick after now")
        }
    }

    @Test func overlapSkipLeavesARunningRunAlone() async throws {
        try await withQueue { q throws in
            try await add(q, overlap: .skip)
            _ = try await fire(q)
            _ = try await reachNextTick(q)
            let first = try #require(try await fire(q).submitted.first)
            try await q.submit(first, [task("a")])
            _ = try await reachNextTick(q)
            let second = try await fire(q)
            #expect(second.submitted.isEmpty && second.skipped == 1)
            #expect(try await q.queue.schedule("tick")?.skipped == 1)
            // Once the run finished, the next tick fires.
            try await q.succeed(try await q.claimExactly(1)[0])
            try await q.applyAll()
            #expect(try await q.runField(first, "state") == "succeeded")
            _ = try await reachNextTick(q)
            #expect(try await fire(q).submitted.count == 1)
        }
    }

    @Test func overlapCancelPreviousCancelsTheRunningRun() async throws {
        try await withQueue { q throws in
            try await add(q, overlap: .cancelPrevious)
            _ = try await fire(q)
            _ = try await reachNextTick(q)
            let first = try #require(try await fire(q).submitted.first)
            try await q.submit(first, [task("a")])
            _ = try await q.claimExactly(1)
            _ = try await reachNextTick(q)
            let second = try await fire(q)
            #expect(second.submitted.count == 1 && second.canceled == 1)
            #expect(["canceling", "canceled"].contains(try await q.runField(first, "state") ?? ""))
            #expect(try await q.runField(first, "cancelReason")?.contains("cancelPrevious") == true)
        }
    }

    @Test func pausedAndRemovedSchedulesFireNothing() async throws {
        try await withQueue { q throws in
            try await add(q)
            _ = try await fire(q)
            #expect(try await q.queue.setSchedulePaused("tick", paused: true) == true)
            #expect(try await q.queue.setSchedulePaused("tick", paused: true) == false)
            _ = try await reachNextTick(q, past: .seconds(300))
            #expect(try await fire(q).submitted.isEmpty)
            #expect(try await q.queue.setSchedulePaused("tick", paused: false) == true)
            #expect(try await fire(q).submitted.isEmpty, "resuming skips what passed while paused")
            _ = try await reachNextTick(q)
            #expect(try await fire(q).submitted.count == 1)
            #expect(try await q.queue.removeSchedule("tick"))
            #expect(try await q.queue.setSchedulePaused("tick", paused: true) == nil)
            #expect(!(try await q.queue.removeSchedule("tick")))
            #expect(try await q.redis.send("ZCARD", "qt:schedules").int == 0)
        }
    }

    @Test func aTakenNameIsKeptUnlessReplaced() async throws {
        try await withQueue { q throws in
            try await add(q)
            let spec = ScheduleSpec(cron: "@daily")
            #expect(!(try await q.queue.addSchedule(name: "tick", spec: spec, fileName: "x", workflow: "w", params: [:], replace: false)))
            #expect(try await q.queue.schedule("tick")?.spec.cron == "* * * * *")
            #expect(try await q.queue.addSchedule(name: "tick", spec: spec, fileName: "x", workflow: "w", params: [:], replace: true))
            #expect(try await q.queue.schedules().map(\.spec.cron) == ["@daily"])
        }
    }
}
