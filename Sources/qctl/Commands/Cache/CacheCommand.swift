import QrewInspect
import ArgumentParser
import QrewQueue

/// `qctl cache ...`: the namespace's result cache (docs/workflow-reference.md, *Caching*).
struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        _superCommandName: "qctl",
        abstract: "List, show and purge result-cache entries; show hit and miss counters.",
        subcommands: [CacheListCommand.self, CacheShowCommand.self, CachePurgeCommand.self, CacheStatsCommand.self],
        defaultSubcommand: CacheListCommand.self)

    /// The full key of `text`: a key, or a prefix of exactly one stored key (as `list` prints them).
    static func resolveKey(_ text: String, queue: QueueClient, redis: RedisOptions) async throws -> String {
        if text.count == 64 { return text }
        let matches = try await queue.cacheEntries(limit: 10_000_000).map(\.key).filter { $0.hasPrefix(text) }
        guard let key = matches.first else {
            throw CommandFailure("no result-cache entry '\(text)' in namespace '\(redis.resolvedNamespace)' (expired, evicted or purged?)")
        }
        guard matches.count == 1 else {
            throw CommandFailure("'\(text)' is the start of \(matches.count) cache keys; give more of the key")
        }
        return key
    }
}

/// One entry as `qctl cache list --json` and `show --json` print it.
struct CacheEntryDocument: Encodable {
    let key: String
    let step: String
    let type: String
    let run: String
    let task: String
    let storedAt: String?
    let expiresInMs: Int?
    let outputBytes: Int
    let exitCode: Int?
    /// Only in `show`: the stored output.
    let output: String?
    /// Whether the entry takes part in similarity matching (`cache.similar`).
    let similarity: Bool

    init(_ entry: CacheEntry, withOutput: Bool) {
        let fields = entry.fields
        key = entry.key
        step = fields["step"] ?? ""
        type = fields["type"] ?? ""
        run = fields["run"] ?? ""
        task = fields["task"] ?? ""
        storedAt = Timestamp.milliseconds(fields["at"]).map { Timestamp.rfc3339(milliseconds: $0) }
        expiresInMs = entry.millisecondsLeft
        outputBytes = fields["output"]?.utf8.count ?? 0
        exitCode = fields["exitCode"].flatMap { Int($0) }
        output = withOutput ? fields["output"] ?? "" : nil
        similarity = fields["sig"] != nil
    }
}
