import QrewInspect
import ArgumentParser

/// `qctl list`: the newest runs first, with their state and progress.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        _superCommandName: "qctl",
        abstract: "List runs, newest first.")

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print a JSON array (docs/status-json.md).")
    var json = false

    @Option(help: "Most runs to show.")
    var limit = 20

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        try await redis.withQueue { queue in
            let runs = try await queue.listRuns(limit: limit)
            let entries = runs.map { RunListEntry(id: $0.id, fields: $0.fields) }
            if json {
                try Console.json(entries)
                return
            }
            guard !runs.isEmpty else {
                Console.out("no runs in namespace '\(redis.resolvedNamespace)'")
                return
            }
            let rows = zip(runs, entries).map { run, entry in
                [entry.id, entry.name, entry.state,
                 Timestamp.milliseconds(run.fields["createdAt"]).map { Timestamp.dateTime(milliseconds: $0) } ?? "-",
                 "\(entry.done)/\(entry.total)"]
            }
            TextTable.render(header: ["run", "name", "state", "created", "tasks"], rows: rows).forEach { Console.out($0) }
        }
    }
}
