import QrewInspect
import ArgumentParser
import Foundation
import QrewQueue

/// `qctl cache list`: entries soonest to expire first, with the namespace's counters.
struct CacheListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List result-cache entries (soonest to expire first) and the hit/miss counters.")

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print a JSON array of entries {key, step, type, run, task, storedAt, expiresInMs, outputBytes, exitCode, similarity}.")
    var json = false

    @Option(help: "Most entries to show.")
    var limit = 50

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        try await redis.withQueue { queue in
            let found = try await queue.cacheEntries(limit: limit)
            if json {
                try Console.json(found.map { CacheEntryDocument($0, withOutput: false) })
                return
            }
            let stats = try await queue.cacheStatistics()
            Console.out(CacheStatsCommand.summary(stats))
            guard !found.isEmpty else {
                Console.out("no result-cache entries in namespace '\(redis.resolvedNamespace)'")
                return
            }
            Console.out("")
            let now = Int(Date().timeIntervalSince1970 * 1000)
            let rows = found.map { raw in
                let entry = CacheEntryDocument(raw, withOutput: false)
                let age = Timestamp.milliseconds(raw.fields["at"]).map { Timestamp.duration(milliseconds: max(0, now - $0)) }
                return [String(entry.key.prefix(16)), entry.step, age ?? "-",
                 entry.expiresInMs.map { Timestamp.duration(milliseconds: $0) } ?? "-", "\(entry.outputBytes) B",
                 entry.similarity ? "yes" : "-", "\(entry.run)/\(entry.task)"]
            }
            TextTable.render(header: ["key", "step", "age", "ttl left", "size", "similar", "from"], rows: rows).forEach { Console.out($0) }
        }
    }
}
