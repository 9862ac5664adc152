import QrewInspect
import ArgumentParser
import QrewQueue

/// `qctl dlq show ID`: one dead letter in full.
struct DlqShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one dead letter in full.")

    @Argument(help: "Dead-letter id (from `qctl dlq list`).")
    var id: String

    @Flag(help: "Print the entry as JSON.")
    var json = false

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await redis.withQueue { queue in
            guard let letter = try await queue.deadLetter(id: id) else {
                throw CommandFailure("no dead letter '\(id)' in namespace '\(redis.resolvedNamespace)' (requeued, purged, or trimmed off the list)")
            }
            if json {
                try Console.json(letter)
                return
            }
            Console.out("id:       \(letter.id)")
            Console.out("run:      \(letter.run.isEmpty ? "-" : letter.run)")
            Console.out("task:     \(letter.task)")
            Console.out("attempts: \(letter.attempts)")
            Console.out("at:       \(Timestamp.rfc3339(milliseconds: letter.at))")
            Console.out("reason:   \(letter.reason)")
        }
    }

    /// The first line of `text`, cut to `max` characters, for a table cell.
    static func oneLine(_ text: String, max: Int) -> String {
        let line = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? ""
        return line.count > max ? String(line.prefix(max - 1)) + "…" : line
    }
}
