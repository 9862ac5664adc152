import QrewInspect
import ArgumentParser
import QrewQueue

/// `qctl dlq list`: the newest dead letters first.
struct DlqListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List dead letters, newest first.")

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print a JSON array of entries {id, ref, run, task, reason, attempts, at}.")
    var json = false

    @Option(help: "Most entries to show.")
    var limit = 50

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        try await redis.withQueue { queue in
            let letters = try await queue.deadLetters(limit: limit)
            if json {
                try Console.json(letters)
                return
            }
            guard !letters.isEmpty else {
                Console.out("no dead letters in namespace '\(redis.resolvedNamespace)'")
                return
            }
            let rows = letters.map { letter in
                [letter.id, letter.run.isEmpty ? "-" : letter.run, letter.task, "\(letter.attempts)",
                 Timestamp.dateTime(milliseconds: letter.at), DlqShowCommand.oneLine(letter.reason, max: 60)]
            }
            TextTable.render(header: ["id", "run", "task", "attempts", "at", "reason"], rows: rows).forEach { Console.out($0) }
        }
    }
}
