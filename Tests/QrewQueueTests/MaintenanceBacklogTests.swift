import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `maintenanceBacklog` counts the sets the leader's maintenance scripts take their work from, so
/// a pass that skips a script with an empty set skips nothing that was due.
@Suite("maintenance backlog")
struct MaintenanceBacklogTests {
    @Test func anIdleNamespaceHasNoBacklog() async throws {
        try await withQueue { q throws in
            #expect(try await q.queue.maintenanceBacklog() == MaintenanceBacklog())
        }
    }

    @Test func aLeaseAndARetryWaitingOutItsBackoffAreCounted() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2), task("b")])
            let claimed = try await q.claimExactly(2)
            var backlog = try await q.queue.maintenanceBacklog()
            #expect(backlog.leases == 2 && backlog.delayed == 0)
            try await q.fail(try #require(claimed.first { $0.ref.taskID == "a" }), retryDelay: .seconds(60))
            backlog = try await q.queue.maintenanceBacklog()
            #expect(backlog.leases == 1 && backlog.delayed == 1)
        }
    }

    @Test func eachSetCountsForItsScript() async throws {
        try await withQueue { q throws in
            let prefix = q.queue.keys.prefix
            for set in ["queuetimeouts", "gates:due", "breakers", "breakers", "deadlines", "sweeping", "schedules"] {
                let member = "m\(try await q.redis.send("ZCARD", .string("\(prefix):\(set)")).int ?? 0)"
                _ = try await q.redis.send("ZADD", .string("\(prefix):\(set)"), "1", .string(member))
            }
            let backlog = try await q.queue.maintenanceBacklog()
            #expect(backlog.leases == 0 && backlog.delayed == 0 && backlog.queueTimeouts == 1 && backlog.runDeadlines == 1)
            #expect(backlog.gates == 3 && backlog.sweeping == 1 && backlog.schedules == 1, "gates: 1 due, 2 breakers")
        }
    }
}
