import ArgumentParser

/// `qctl watch RUN`: the whole run so far (replayed from its stream), then live until it ends.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        _superCommandName: "qctl",
        abstract: "Show a run live: step state changes, output lines and progress.",
        discussion: "Exits 0 if the run succeeded, 1 otherwise.")

    @Argument(help: "Run id.")
    var run: String

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await redis.withQueue { queue in
            guard let fields = try await queue.runFields(run) else { throw CommandFailure.unknownRun(run, redis) }
            var view = RunView(mode: RunView.standardMode(), total: Int(fields["total"] ?? "") ?? 0)
            var follower = RunFollower(queue: queue, runID: run)
            follower.estimateEvery = .seconds(5)
            let state = try await follower.follow(updates: { update in
                switch update {
                case .event(let entry): view.handle(entry)
                case .eta(let estimate, let now): view.show(estimate, now: now)
                }
            })
            view.close()
            if state != "succeeded" { throw ExitCode.failure }
        }
    }
}
