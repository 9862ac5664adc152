import Foundation
import QrewCore
import QrewQueue
import Testing

/// `qctl schedule` (add, list, pause, resume, remove) and `qctl submit --idempotency-key`
/// through the qctl binary, with a real redis-server and coordinator: a due tick's run is
/// submitted by the coordinator, runs, and shows as the schedule's last run. The tick is made
/// due by moving the schedule's next tick back one minute (to the tick before it), so no test
/// waits for a wall-clock minute.
@Suite("qctl schedule")
struct ScheduleCommandTests {
    static let workflow = """
        name: every-minute
        schedule: { cron: "* * * * *", overlap: skip }
        steps:
          - id: a
            type: echo
            with: { message: hi }
        """

    private func listed(_ cluster: ClusterHarness) async throws -> [[String: Any]] {
        let result = try await qctl("schedule", "list", "--json", environment: cluster.environment)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]], "\(result.stdout)")
    }

    private func waitFor<T>(_ what: String, timeout: Duration = .seconds(20), _ probe: () async throws -> T?) async throws -> T {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let value = try await probe() { return value }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw CommandFailureForTest("timed out waiting for \(what)")
    }

    @Test func aDueTickIsSubmittedOnceRunsAndIsListed() async throws {
        // The schedule fires every minute by the wall clock too: start early in a minute, so the
        // next real tick cannot come due (and fire a second run) before the checks below.
        let second = Int(Date().timeIntervalSince1970) % 60
        if second > 25 { try await Task.sleep(for: .seconds(61 - second)) }
        try await withCluster { cluster in
            let file = try temporaryFile("minute.yaml", Self.workflow)
            let added = try await qctl("schedule", "add", "minute", file, environment: cluster.environment)
            #expect(added.status == 0, "\(added.stderr)")
            #expect(added.stdout.contains("scheduled 'minute': * * * * * (UTC), catchUp one, overlap skip"), "\(added.stdout)")

            let next = try await waitFor("the coordinator to plan the first tick") { try await cluster.queue.schedule("minute")?.next }
            let tick = next - 60_000
            _ = try await cluster.queue.redis.send("HSET", "qt:schedule:minute", "next", .string(String(tick)))
            _ = try await cluster.queue.redis.send("ZADD", "qt:schedules", .int(tick), "minute")
            let runID = ScheduleSpec.runID(schedule: "minute", tick: Date(timeIntervalSince1970: Double(tick) / 1000))
            _ = try await cluster.waitForRun(runID, timeout: .seconds(20))
            try await cluster.work(runID)
            #expect(try await cluster.queue.runFields(runID)?["state"] == "succeeded")

            let schedule = try #require(try await listed(cluster).first)
            #expect(schedule["name"] as? String == "minute" && schedule["lastRun"] as? String == runID, "\(schedule)")
            #expect(schedule["fired"] as? Int == 1 && schedule["paused"] as? Bool == false && schedule["overlap"] as? String == "skip")
            #expect(try await cluster.queue.schedule("minute")?.next == next, "advanced to the tick after")
            #expect(try await cluster.queue.listRuns().count == 1, "submitted once")

            let table = try await qctl("schedule", environment: cluster.environment)
            #expect(table.stdout.contains(runID), "\(table.stdout)")
            #expect(try await qctl("schedule", "pause", "minute", environment: cluster.environment).stdout.contains("paused schedule 'minute'"))
            #expect(try await listed(cluster).first?["paused"] as? Bool == true)
            #expect(try await qctl("schedule", "resume", "minute", environment: cluster.environment).status == 0)
            #expect(try await qctl("schedule", "remove", "minute", environment: cluster.environment).status == 0)
            #expect(try await listed(cluster).isEmpty)
            let again = try await qctl("schedule", "remove", "minute", environment: cluster.environment)
            #expect(again.status != 0 && again.stderr.contains("no schedule 'minute'"), "\(again.stderr)")
        }
    }

    @Test func badSchedulesAreRefusedWithWhereAndHow() async throws {
        try await withCluster(coordinator: false) { cluster in
            let file = try temporaryFile("minute.yaml", Self.workflow)
            let badCron = try await qctl("schedule", "add", "x", file, "--cron", "0 25 * * *", environment: cluster.environment)
            #expect(badCron.status != 0 && badCron.stderr.contains("column 3") && badCron.stderr.contains("out of range 0-23"), "\(badCron.stderr)")
            let badZone = try await qctl("schedule", "add", "x", file, "--timezone", "Nowhere/Land", environment: cluster.environment)
            #expect(badZone.status != 0 && badZone.stderr.contains("unknown time zone 'Nowhere/Land'"), "\(badZone.stderr)")
            let plain = try temporaryFile("plain.yaml", "name: p\nsteps:\n  - id: a\n    type: echo\n")
            let noCron = try await qctl("schedule", "add", "x", plain, environment: cluster.environment)
            #expect(noCron.status != 0 && noCron.stderr.contains("no `schedule:`"), "\(noCron.stderr)")
            let badName = try await qctl("schedule", "add", "a b", file, environment: cluster.environment)
            #expect(badName.status != 0 && badName.stderr.contains("schedule name 'a b'"), "\(badName.stderr)")
            #expect(try await qctl("schedule", "add", "x", file, environment: cluster.environment).status == 0)
            let taken = try await qctl("schedule", "add", "x", file, "--cron", "@daily", environment: cluster.environment)
            #expect(taken.status != 0 && taken.stderr.contains("--replace"), "\(taken.stderr)")
            let replaced = try await qctl("schedule", "add", "x", file, "--cron", "@daily", "--replace", environment: cluster.environment)
            #expect(replaced.status == 0 && replaced.stdout.contains("@daily"), "\(replaced.stderr)")
        }
    }

    @Test func aRepeatedIdempotencyKeyReturnsTheFirstRun() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("minute.yaml", Self.workflow)
            let first = try await qctl("submit", file, "--idempotency-key", "order-42", environment: cluster.environment)
            #expect(first.status == 0, "\(first.stderr)")
            let second = try await qctl("submit", file, "--idempotency-key", "order-42", "--run-id", "other", environment: cluster.environment)
            #expect(second.status == 0, "\(second.stderr)")
            let runID = first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!runID.isEmpty && second.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == runID)
            #expect(try await cluster.queue.listRuns().map(\.id) == [runID])
            let bad = try await qctl("submit", file, "--idempotency-key", "k", "--idempotency-window", "soon", environment: cluster.environment)
            #expect(bad.status != 0 && bad.stderr.contains("--idempotency-window"), "\(bad.stderr)")
        }
    }
}

private struct CommandFailureForTest: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
