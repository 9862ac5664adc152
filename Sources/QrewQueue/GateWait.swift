import QrewCore

/// Why a ready task is not running: it waits at a closed gate or a full keyed limit
/// (`qctl status`, docs/status-json.md `waitingFor`).
public struct GateWait: Sendable, Hashable {
    /// What holds the task back.
    public enum Kind: String, Sendable {
        /// A circuit breaker that is open, or half-open with its probe running.
        case breaker
        /// A rate limit with no start left in its span.
        case rateLimit
        /// A keyed concurrency limit with every slot taken.
        case concurrency
    }

    /// What holds the task back.
    public var kind: Kind
    /// The breaker, rate limit or concurrency key (unescaped).
    public var key: String
    /// A breaker's state (`open`, `half_open`); nil for the others.
    public var state: String?
    /// When an open breaker's cooldown ends (ms since the epoch); nil for the others.
    public var until: Int?

    /// A sentence for people, e.g. `circuit breaker 'api' open`.
    public var summary: String {
        switch kind {
        case .breaker: "circuit breaker '\(key)' \(state == "half_open" ? "half-open (a probe is running)" : "open")"
        case .rateLimit: "rate limit '\(key)' reached"
        case .concurrency: "concurrency key '\(key)' full"
        }
    }
}

extension QueueClient {
    /// The gate or keyed limit each parked task of `snapshot` waits at (task id → wait), read in
    /// two pipelined round trips; tasks without gates or keyed limits cost nothing.
    public func gateWaits(_ snapshot: RunSnapshot) async throws(QueueError) -> [String: GateWait] {
        var candidates: [(task: String, wait: GateWait, parked: String)] = []
        for task in snapshot.tasks where task["state"] == "ready" {
            let id = task["id"] ?? ""
            for gate in (task["gates"] ?? "").split(separator: ",").map(String.init) {
                let parts = gate.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
                if parts.first == "breaker", parts.count == 5 {
                    candidates.append((id, GateWait(kind: .breaker, key: GateKeyEscaping.unescape(parts[4])), keys.breakerParked(parts[4])))
                } else if parts.first == "rate", parts.count >= 4 {
                    let escaped = parts[3...].joined(separator: ":")
                    candidates.append((id, GateWait(kind: .rateLimit, key: GateKeyEscaping.unescape(escaped)), keys.gateParked(gate)))
                }
            }
            for limit in (task["limits"] ?? "").split(separator: ",") where limit.hasPrefix("key:") {
                let key = task["concurrencyKey"] ?? String(limit)
                candidates.append((id, GateWait(kind: .concurrency, key: key), keys.keyedLimit(String(limit)) + ":parked"))
            }
        }
        guard !candidates.isEmpty else { return [:] }
        let ref = { (task: String) in TaskRef(runID: snapshot.id, taskID: task).description }
        let scores = try await pipeline(candidates.map { ["ZSCORE", .string($0.parked), .string(ref($0.task))] })
        var waits: [String: GateWait] = [:]
        for (candidate, score) in zip(candidates, scores) where score.string != nil && waits[candidate.task] == nil {
            waits[candidate.task] = candidate.wait
        }
        let breakers = Array(Set(waits.values.filter { $0.kind == .breaker }.map(\.key)))
        guard !breakers.isEmpty else { return waits }
        let states = try await pipeline(breakers.map {
            ["HMGET", .string(keys.breaker(GateKeyEscaping.escape($0))), "state", "until"]
        })
        var stateByKey: [String: (String?, Int?)] = [:]
        for (key, reply) in zip(breakers, states) {
            let values = reply.array ?? []
            stateByKey[key] = (values.first?.string, values.count > 1 ? values[1].string.flatMap { Int($0) } : nil)
        }
        for (task, wait) in waits where wait.kind == .breaker {
            waits[task]?.state = stateByKey[wait.key]?.0
            waits[task]?.until = stateByKey[wait.key]?.0 == "open" ? stateByKey[wait.key]?.1 : nil
        }
        return waits
    }
}
