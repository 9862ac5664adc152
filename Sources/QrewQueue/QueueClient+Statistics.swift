import QrewCore
import QrewRedis

extension Keys {
    /// Where a slot limit of a task's `limits` lives (lib/limits.lua): the hash and field of its
    /// size (nil for a keyed limit, whose size is in its name), the hash and field of its
    /// in-flight count, and its parked set.
    public func limit(_ limit: String, run runID: String) -> (size: (key: String, field: String)?, count: (key: String, field: String), parked: String) {
        if limit.hasPrefix("key:") {
            return (nil, (keyedLimit(limit), "inflight"), keyedLimit(limit) + ":parked")
        }
        if limit.hasPrefix("pool:") {
            let pool = "\(prefix):\(limit)"
            return ((pool, "size"), (pool, "inflight"), pool + ":parked")
        }
        let run = self.run(runID)
        return ((run + ":capacity", limit), (run + ":inflight", limit), run + ":parked:" + limit)
    }
}

extension QueueClient {
    /// What `qctl stats` computes from: the run's task hashes, its whole progress stream, the
    /// sizes of the limits its tasks hold, its workflow's learned step durations and the state of
    /// the circuit breakers its tasks pass; nil for an
    /// unknown run. Read-only, a few pipelined round trips plus one per 1000 stream entries;
    /// `withEvents: false` skips the stream (attempts then come from the task hashes alone:
    /// enough for the ETA, which the live view refreshes every few seconds).
    public func runRecords(_ runID: String, withEvents: Bool = true) async throws(QueueError) -> RunRecords? {
        guard let snapshot = try await runSnapshot(runID) else { return nil }
        var events: [[String: String]] = []
        var after = "0"
        while withEvents {
            let page = try await runEvents(runID, after: after)
            guard let last = page.last else { break }
            events += page.map(\.fields)
            after = last.id
        }
        let now = try await serverTime()
        let limits = Set(snapshot.tasks.flatMap { ($0["limits"] ?? "").split(separator: ",").map(String.init) })
            .filter { !$0.hasPrefix("key:") }.sorted()
        let sizes = try await pipeline(limits.map { limit in
            let size = keys.limit(limit, run: runID).size!
            return ["HGET", .string(size.key), .string(size.field)]
        })
        var limitSizes: [String: Int] = [:]
        for (limit, reply) in zip(limits, sizes) { limitSizes[limit] = reply.string.flatMap { Int($0) } }
        let workflow = snapshot.fields["name"] ?? ""
        let estimates = workflow.isEmpty ? [:] : try await durationEstimates(workflow: workflow).mapValues(\.milliseconds)
        var records = RunRecords(runID: runID, run: snapshot.fields, tasks: snapshot.tasks, events: events, now: now,
                                 limitSizes: limitSizes, estimates: estimates)
        let breakerKeys = records.breakerKeys
        let states = try await pipeline(breakerKeys.map { ["HMGET", .string(keys.breaker($0)), "state", "until"] })
        for (key, reply) in zip(breakerKeys, states) {
            let values = (reply.array ?? []).map(\.string)
            guard let state = values.first ?? nil else { continue }
            records.breakers[key] = RunRecords.BreakerState(state: state, until: values.count > 1 ? values[1].flatMap { Int($0) } : nil)
        }
        return records
    }
}
