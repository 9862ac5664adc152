import QrewRedis

/// How many entries wait in each sorted set a leader's maintenance scripts take their work from,
/// read in one pipeline of `ZCARD`s. A pass calls only the scripts whose set holds something: an
/// idle cluster's leader then makes one cheap read a pass instead of seven script calls, whose
/// Redis time (tens of µs each, with cold caches) single-task runs otherwise wait behind.
public struct MaintenanceBacklog: Sendable, Hashable {
    /// Running tasks' leases (`reap_leases`).
    public var leases = 0
    /// Retries waiting out their backoff (`promote_delayed`).
    public var delayed = 0
    /// Queue-timeout and wait-step deadlines (`expire_queued`).
    public var queueTimeouts = 0
    /// Circuit-breaker and rate-limit waits, and open breakers to forget (`wake_gates`).
    public var gates = 0
    /// Workflow-timeout deadlines of runs (`expire_runs`).
    public var runDeadlines = 0
    /// Runs with work left for later calls (`sweep_runs`).
    public var sweeping = 0
    /// Active schedules (`due_schedules`).
    public var schedules = 0

    public init() {}
}

extension QueueClient {
    /// The sizes of the maintenance scripts' work sets, in one round trip (read only).
    public func maintenanceBacklog() async throws(QueueError) -> MaintenanceBacklog {
        let sets = [
            keys.leases, keys.delayed, keys.queueTimeouts, keys.gatesDue, keys.breakers, keys.runDeadlines, keys.sweeping,
            keys.schedules,
        ]
        let replies = try await pipeline(sets.map { ["ZCARD", .string($0)] })
        guard replies.count == sets.count else { throw .unexpectedReply(operation: "ZCARD", reply: "\(replies.count) replies") }
        let sizes = replies.map { $0.int ?? 0 }
        var backlog = MaintenanceBacklog()
        backlog.leases = sizes[0]
        backlog.delayed = sizes[1]
        backlog.queueTimeouts = sizes[2]
        backlog.gates = sizes[3] + sizes[4]
        backlog.runDeadlines = sizes[5]
        backlog.sweeping = sizes[6]
        backlog.schedules = sizes[7]
        return backlog
    }
}
