import ArgumentParser

/// `qctl logs RUN [TASK]`: every output line the run's tasks streamed, from the run's stream.
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        _superCommandName: "qctl",
        abstract: "Print the output lines of a run's tasks (prefixed with the task id), or of one task.")

    @Argument(help: "Run id.")
    var run: String

    @Argument(help: "Task id (e.g. build or 'build[target=x]'); all tasks when omitted.")
    var task: String?

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await redis.withQueue { queue in
            guard let snapshot = try await queue.runSnapshot(run) else { throw CommandFailure.unknownRun(run, redis) }
            if let task, !snapshot.tasks.contains(where: { $0["id"] == task }) {
                let known = snapshot.tasks.compactMap { $0["id"] }.prefix(20).joined(separator: ", ")
                throw CommandFailure("run \(run) has no task '\(task)'; its tasks: \(known)")
            }
            for entry in try await RunFollower(queue: queue, runID: run).replay() {
                let id = entry.fields["task"] ?? "?"
                if let task, id != task { continue }
                for output in entry.outputLines {
                    for line in output.lines { Console.out(task == nil ? "\(id) | \(line)" : line) }
                }
            }
        }
    }
}
