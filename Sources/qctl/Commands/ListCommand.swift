import ArgumentParser

/// `qctl list`: the newest runs first, with their state and progress.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List runs, newest first.")

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print a JSON array (docs/status-json.md).")
    var json = false

    @Option(help: "Most runs to show.")
    var limit = 20

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
    }

    /// One run in `list --json`.
    struct Entry: Encodable {
        let id: String
        let name: String
        let state: String
        let createdAt: String?
        let finishedAt: String?
        let done: Int
        let total: Int

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(state, forKey: .state)
            try container.encode(createdAt, forKey: .createdAt)
            try container.encode(finishedAt, forKey: .finishedAt)
            try container.encode(done, forKey: .done)
            try container.encode(total, forKey: .total)
        }

        private enum CodingKeys: String, CodingKey {
            case id, name, state, createdAt, finishedAt, done, total
        }
    }

    func run() async throws {
        try await redis.withQueue { queue in
            let runs = try await queue.listRuns(limit: limit)
            let entries = runs.map { run in
                let total = Int(run.fields["total"] ?? "") ?? 0
                let pending = Int(run.fields["pending"] ?? "") ?? 0
                return Entry(
                    id: run.id, name: run.fields["name"] ?? "", state: run.fields["state"] ?? "unknown",
                    createdAt: Timestamp.milliseconds(run.fields["createdAt"]).map { Timestamp.rfc3339(milliseconds: $0) },
                    finishedAt: Timestamp.milliseconds(run.fields["finishedAt"]).map { Timestamp.rfc3339(milliseconds: $0) },
                    done: max(total - pending, 0), total: total)
            }
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
