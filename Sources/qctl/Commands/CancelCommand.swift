import ArgumentParser
import QrewCore

/// `qctl cancel RUN`: ends every unfinished task of the run; running ones are stopped by their
/// workers within a second. A big run is canceled a slice per call (`cancel_run` until nothing
/// is left); if this process dies part-way, the coordinator finishes the job.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        _superCommandName: "qctl",
        abstract: "Cancel a run: unfinished tasks end canceled, running ones are stopped.",
        discussion: """
            As a Redis user that may not change runs itself (qrew-submitter), the request goes to the \
            leading coordinator, which carries it out (docs/security.md); qctl waits up to 15 s for its answer.
            """)

    @Argument(help: "Run id.")
    var run: String

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await redis.withQueue { queue in
            guard let count = try await queue.cancelRunOrRequest(run, reason: "canceled by qctl") else {
                throw CommandFailure.unknownRun(run, redis)
            }
            let state = try await queue.runFields(run)?["state"]
            if count == 0, let state, !["canceled", "canceling"].contains(state) {
                Console.out("run \(run) already finished (\(state)); nothing to cancel")
            } else if state == "canceling" {
                // Tasks not stored yet (a big run still being stored) are stored canceled.
                Console.out("canceled \(count) task\(count == 1 ? "" : "s") of run \(run); the rest end canceled as they are stored")
            } else {
                Console.out("canceled \(count) task\(count == 1 ? "" : "s") of run \(run)")
            }
        }
    }
}
