import QrewCore
import QrewRedis

/// What `complete_from_cache` made of a leased task.
public enum CacheLookupResult: Sendable, Hashable {
    /// The task was recorded succeeded from the entry `key` (similarity `score` for a near
    /// match, nil for an exact one), produced by task `source` (`run/task`).
    case hit(key: String, score: String?, source: String)
    /// No fresh entry: run the task; its success will be stored.
    case miss
    /// The lease is no longer held.
    case stale
}

/// One result-cache entry as `qctl cache` shows it.
public struct CacheEntry: Sendable, Hashable {
    public let key: String
    /// The entry hash's fields (output, exitCode, at, run, task, step, type, ttl, ...).
    public let fields: [String: String]
    /// Milliseconds until it expires (nil when it has gone).
    public let millisecondsLeft: Int?
}

extension QueueClient {
    /// Looks `task` up in the result cache with the key (and similarity signature) of its
    /// rendered spec; on a hit the task is recorded succeeded in the same call.
    /// `maxEntries` is the namespace's size bound applied when this task's result is stored.
    public func completeFromCache(
        _ task: ClaimedTask, lookup: CacheLookup, stepType: String, maxEntries: Int
    ) async throws(QueueError) -> CacheLookupResult {
        let reply = try await run(.completeFromCache, [
            .string(task.ref.description), .string(task.token), .string(lookup.key), .int(lookup.ttlMilliseconds),
            .int(maxEntries), .string(stepType), .string(lookup.similaritySpace ?? ""),
            .string(lookup.signature?.text ?? ""), .string(lookup.signature?.bands.joined(separator: ",") ?? ""),
            .string(String(lookup.threshold)),
        ])
        guard let parts = reply.array, let verdict = parts.first?.string else { throw unexpected(.completeFromCache, reply) }
        switch verdict {
        case "hit":
            guard parts.count == 4, let key = parts[1].string, let score = parts[2].string, let source = parts[3].string else {
                throw unexpected(.completeFromCache, reply)
            }
            return .hit(key: key, score: score.isEmpty ? nil : score, source: source)
        case "miss": return .miss
        case "stale": return .stale
        default: throw unexpected(.completeFromCache, reply)
        }
    }

    /// Result-cache entries, soonest to expire first, at most `limit`.
    public func cacheEntries(limit: Int = 1000) async throws(QueueError) -> [CacheEntry] {
        let keys = (try await send(["ZRANGE", .string(self.keys.cacheEntries), 0, .int(max(0, limit - 1))]).array ?? [])
            .compactMap(\.string)
        return try await cacheEntries(keys).compactMap { $0 }
    }

    /// The entries of `keys` (nil for a key with no live entry).
    public func cacheEntries(_ keys: [String]) async throws(QueueError) -> [CacheEntry?] {
        var commands: [[RedisArgument]] = []
        for key in keys {
            commands.append(["HGETALL", .string(self.keys.cacheEntry(key))])
            commands.append(["PTTL", .string(self.keys.cacheEntry(key))])
        }
        let replies = try await pipeline(commands)
        return keys.indices.map { index in
            let fields = Self.hash(replies[index * 2])
            guard !fields.isEmpty else { return nil }
            let left = replies[index * 2 + 1].int ?? -2
            return CacheEntry(key: keys[index], fields: fields, millisecondsLeft: left >= 0 ? left : nil)
        }
    }

    /// The namespace's cache counters (hits, similarHits, misses, stores, evictions) and how
    /// many entries the index holds.
    public func cacheStatistics() async throws(QueueError) -> (counters: [String: Int], entries: Int) {
        let replies = try await pipeline([["HGETALL", .string(keys.cacheStats)], ["ZCARD", .string(keys.cacheEntries)]])
        return (Self.hash(replies[0]).compactMapValues { Int($0) }, replies[1].int ?? 0)
    }

    /// What `purgeCache` deletes.
    public enum CachePurge: Sendable, Hashable {
        case key(String)
        case step(String)
        case all
    }

    /// Deletes cache entries (with their similarity buckets); returns how many existed.
    public func purgeCache(_ purge: CachePurge) async throws(QueueError) -> Int {
        let (what, value): (String, String) = switch purge {
        case .key(let key): ("key", key)
        case .step(let step): ("step", step)
        case .all: ("all", "")
        }
        var position = 0, removed = 0
        while position >= 0 {
            let reply = try await run(.purgeCache, [.string(what), .string(value), .int(position)])
            guard let parts = reply.array, parts.count == 2, let count = parts[0].int, let next = parts[1].int else {
                throw unexpected(.purgeCache, reply)
            }
            removed += count
            position = next
        }
        return removed
    }
}
