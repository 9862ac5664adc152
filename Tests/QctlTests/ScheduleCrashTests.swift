import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// Real qrew-coordinator processes: the leader is killed (SIGKILL) the instant three ticks of a
/// schedule become due, and a second coordinator takes over; each tick's run exists exactly
/// once whether the first fired before dying or not. Heavy (whole processes): CLUSTER_SUITES.
@Suite("schedule crash safety", .serialized)
struct ScheduleCrashTests {
    @Test func aLeaderKilledAtTheDueInstantNeitherLosesNorDoublesARun() async throws {
        try await withProcessCluster(namespace: "sched") { cluster in
            let queue = cluster.queue
            #expect(try await queue.addSchedule(
                name: "tick", spec: ScheduleSpec(cron: "0 0 * * *", catchUp: .all), fileName: "t.yaml",
                workflow: "name: t\nsteps:\n  - id: a\n    type: echo\n", params: [:], replace: false))
            let first = try cluster.start("qrew-coordinator", ["--id", "c1", "--leader-lease", "1s"], name: "c1")
            var next: Int?
            let deadline = ContinuousClock.now + .seconds(20)
            while next == nil, ContinuousClock.now < deadline {
                next = try await queue.schedule("tick")?.next
                if next == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let planned = try #require(next, "c1 never planned the first tick\n\(cluster.logs)")
            // Three daily ticks come due at once; the leader dies at that instant. (Daily, so
            // no real tick can come due during the test unless it runs at midnight UTC.)
            let day = 86_400_000
            let tick = planned - 3 * day
            _ = try await queue.redis.send("HSET", "sched:schedule:tick", "next", .string(String(tick)))
            _ = try await queue.redis.send("ZADD", "sched:schedules", .int(tick), "tick")
            kill(-first.pid, SIGKILL)
            try cluster.start("qrew-coordinator", ["--id", "c2", "--leader-lease", "1s"], name: "c2")

            let runIDs = [tick, tick + day, tick + 2 * day].map {
                ScheduleSpec.runID(schedule: "tick", tick: Date(timeIntervalSince1970: Double($0) / 1000))
            }
            for runID in runIDs { _ = try await queue.waitForRun(runID, timeout: .seconds(30)) }
            let stored = try #require(try await queue.schedule("tick"))
            #expect(stored.fired == 3 && stored.lastRun == runIDs.last, "\(stored)\n\(cluster.logs)")
            #expect(try #require(stored.next) >= planned)
            #expect(Set(try await queue.listRuns().map(\.id)) == Set(runIDs), "each tick once")
        }
    }
}
