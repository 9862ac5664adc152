import QrewCore
import QrewRedis

/// Circuit breakers, rate limits and keyed concurrency: the leader's wake-ups and the reads
/// and escape hatch `qctl breakers` uses.
extension QueueClient {
    /// Queues the waiters of gates whose due time came (`wake_gates`). Returns how many waiters
    /// left parked sets (queued, or dropped when no longer ready) and how long until the next
    /// gate is due (nil when none is).
    public func wakeGates(fence: String, limit: Int = 1000) async throws(QueueError) -> (woken: Int, nextDue: Duration?) {
        let reply = try await run(.wakeGates, [.string(fence), .int(limit)])
        guard let pair = reply.array, pair.count == 2, let woken = pair[0].int, let wait = pair[1].int else {
            throw unexpected(.wakeGates, reply)
        }
        return (woken, wait < 0 ? nil : .milliseconds(wait))
    }

    /// Every circuit breaker with state (open, half-open, or closed with failures in its window),
    /// sorted by key.
    public func breakers() async throws(QueueError) -> [BreakerStatus] {
        let keysReply = try await send(["ZRANGE", .string(keys.breakers), 0, -1])
        let escaped = (keysReply.array ?? []).compactMap(\.string).sorted()
        guard !escaped.isEmpty else { return [] }
        var commands: [[RedisArgument]] = []
        for key in escaped {
            commands.append(["HGETALL", .string(keys.breaker(key))])
            commands.append(["ZCARD", .string(keys.breakerFailures(key))])
            commands.append(["ZCARD", .string(keys.breakerParked(key))])
        }
        let replies = try await pipeline(commands)
        var result: [BreakerStatus] = []
        for (index, key) in escaped.enumerated() {
            let fields = Self.hash(replies[index * 3])
            let parked = replies[index * 3 + 2].int ?? 0
            guard let state = fields["state"] ?? (parked > 0 ? "closed" : nil) else { continue }
            result.append(BreakerStatus(
                key: GateKeyEscaping.unescape(key), state: state, failuresInWindow: replies[index * 3 + 1].int ?? 0,
                openUntil: state == "open" ? fields["until"].flatMap { Int($0) } : nil, openedAt: fields["openedAt"].flatMap { Int($0) },
                probe: fields["probe"], parked: parked))
        }
        return result
    }

    /// Closes breaker `key` (unescaped) at once and queues its waiters (`reset_breaker`, in calls
    /// of up to 10,000 waiters). Returns whether the breaker existed.
    public func resetBreaker(_ key: String) async throws(QueueError) -> Bool {
        var existed = false
        while true {
            let reply = try await run(.resetBreaker, [.string(GateKeyEscaping.escape(key)), .int(10_000)])
            guard let pair = reply.array, pair.count == 2, let found = pair[0].int, let left = pair[1].int else {
                throw unexpected(.resetBreaker, reply)
            }
            existed = existed || found == 1
            if left == 0 { return existed }
        }
    }
}
