import ArgumentParser
import QrewQueue

/// `qctl cache stats`: the namespace's result-cache counters.
struct CacheStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show the result cache's counters: hits, similar hits, misses, stores, evictions.")

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print {entries, hits, similarHits, misses, stores, evictions} as JSON.")
    var json = false

    func run() async throws {
        try await redis.withQueue { queue in
            let stats = try await queue.cacheStatistics()
            if json {
                var document = ["entries": stats.entries]
                for name in Self.counters { document[name] = stats.counters[name] ?? 0 }
                try Console.json(document)
            } else {
                Console.out(Self.summary(stats))
            }
        }
    }

    static let counters = ["hits", "similarHits", "misses", "stores", "evictions"]

    /// One line: entries and every counter, with the hit rate.
    static func summary(_ stats: (counters: [String: Int], entries: Int)) -> String {
        let value = { (name: String) in stats.counters[name] ?? 0 }
        let lookups = value("hits") + value("similarHits") + value("misses")
        let rate = lookups == 0 ? "" : " (hit rate \((value("hits") + value("similarHits")) * 100 / lookups)%)"
        return "\(stats.entries) entr\(stats.entries == 1 ? "y" : "ies"); \(value("hits")) hits, \(value("similarHits")) similar hits, "
            + "\(value("misses")) misses\(rate); \(value("stores")) stores, \(value("evictions")) evictions"
    }
}
