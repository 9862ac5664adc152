import ArgumentParser
import QrewQueue

/// `qctl cache purge KEY | --step STEP | --all`: deletes entries, so their tasks run again.
struct CachePurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge", abstract: "Delete result-cache entries: one key, every entry of a step, or all.")

    @Argument(help: "Cache key (or the start of one) to delete.")
    var key: String?

    @Option(help: "Delete every entry stored by this step id.")
    var step: String?

    @Flag(help: "Delete every entry of the namespace.")
    var all = false

    @OptionGroup var redis: RedisOptions

    func validate() throws {
        let chosen = [key != nil, step != nil, all].filter { $0 }.count
        guard chosen == 1 else {
            throw ValidationError("give exactly one of KEY, --step STEP or --all (e.g. `qctl cache purge --step build`)")
        }
    }

    func run() async throws {
        try await redis.withQueue { queue in
            let purge: QueueClient.CachePurge
            if let key {
                purge = .key(try await CacheCommand.resolveKey(key, queue: queue, redis: redis))
            } else if let step {
                purge = .step(step)
            } else {
                purge = .all
            }
            let count = try await queue.purgeCache(purge)
            Console.out("purged \(count) result-cache entr\(count == 1 ? "y" : "ies") from namespace '\(redis.resolvedNamespace)'")
        }
    }
}
