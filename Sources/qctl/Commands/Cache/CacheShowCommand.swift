import QrewInspect
import ArgumentParser
import QrewQueue

/// `qctl cache show KEY`: one entry with its output.
struct CacheShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one result-cache entry with its output.")

    @Argument(help: "Cache key, or the start of one as `qctl cache list` prints it.")
    var key: String

    @Flag(help: "Print the entry as JSON (list's fields plus output).")
    var json = false

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await redis.withQueue { queue in
            let full = try await CacheCommand.resolveKey(key, queue: queue, redis: redis)
            guard let found = try await queue.cacheEntries([full]).first ?? nil else {
                throw CommandFailure("no result-cache entry '\(key)' in namespace '\(redis.resolvedNamespace)' (expired, evicted or purged?)")
            }
            let entry = CacheEntryDocument(found, withOutput: true)
            if json {
                try Console.json(entry)
                return
            }
            Console.out("key:        \(entry.key)")
            Console.out("step:       \(entry.step) (\(entry.type))")
            Console.out("from:       \(entry.run)/\(entry.task)")
            Console.out("stored at:  \(entry.storedAt ?? "-")")
            Console.out("expires in: \(entry.expiresInMs.map { Timestamp.duration(milliseconds: $0) } ?? "-")")
            Console.out("exit code:  \(entry.exitCode.map(String.init) ?? "-")")
            Console.out("similarity: \(entry.similarity ? "yes (cache.similar)" : "no")")
            Console.out("output (\(entry.outputBytes) bytes):")
            Console.out(entry.output ?? "")
        }
    }
}
