import ArgumentParser
import QrewQueue

/// `qctl dlq purge --yes`: empties the dead-letter list (what failed stays in the runs).
struct DlqPurgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "purge", abstract: "Delete every dead letter (needs --yes).")

    @Flag(help: "Confirm: the entries cannot be requeued afterwards.")
    var yes = false

    @OptionGroup var redis: RedisOptions

    func validate() throws {
        guard yes else {
            throw ValidationError("purge deletes every dead letter and cannot be undone; run `qctl dlq list` first, then pass --yes")
        }
    }

    func run() async throws {
        try await redis.withQueue { queue in
            let count = try await queue.purgeDeadLetters()
            Console.out("purged \(count) dead letter\(count == 1 ? "" : "s") from namespace '\(redis.resolvedNamespace)'")
        }
    }
}
