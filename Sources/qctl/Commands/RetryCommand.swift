import ArgumentParser
import QrewQueue

/// `qctl retry RUN [--fresh]`: runs a finished run's failed, timed-out, skipped and canceled
/// steps again in place, keeping the succeeded ones (and their outputs for dependents); the
/// failed tasks of an expanded dynamic fan-out run again and the step collects every output anew.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        _superCommandName: "qctl",
        abstract: "Run a finished run's failed and skipped steps again (--fresh: every step).",
        discussion: """
            A dynamic fan-out that expanded keeps its tasks: those that failed or were canceled run again, \
            and the step's output is made again from every task's, in element order. If its list step \
            failed, the step waits for it again and expands when it succeeds. As a Redis user that may not \
            change runs itself (qrew-submitter), the leading coordinator carries the retry out (docs/security.md).
            """)

    @Argument(help: "Run id.")
    var run: String

    @Flag(help: "Run every step again, not only the unsuccessful ones (refused for a run whose dynamic fan-out expanded).")
    var fresh = false

    @OptionGroup var following: FollowOptions

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await redis.withQueue { queue in
            switch try await queue.retryRunOrRequest(run, fresh: fresh) {
            case .unknownRun:
                throw CommandFailure.unknownRun(run, redis)
            case .notFinished(let state):
                throw CommandFailure("run \(run) is still \(state); wait for it to finish or cancel it first")
            case .hasDynamicFanOut(let state):
                throw CommandFailure("run \(run) (\(state)) has an expanded dynamic fan-out, which --fresh would expand again; retry without --fresh (its unsuccessful tasks run again in place), or submit the workflow again")
            case .nothingToRetry:
                Console.out("every step of run \(run) succeeded; nothing to retry (use --fresh to run it all again)")
            case .unfinished(let state):
                Console.out("retrying run \(run) (now \(state)); the coordinator finishes resetting its tasks")
            case .retried(let count, let eventID):
                Console.out("retrying \(count) task\(count == 1 ? "" : "s") of run \(run)")
                try await following.finish(run, queue: queue, after: eventID, total: count)
            }
        }
    }
}
