import ArgumentParser
import QrewQueue

/// `qctl dlq requeue ID`: runs a dead letter's task again in its run, with the dependents it
/// had skipped, and removes the entry (retry_run, then continue_run while a big run's reset
/// is done in slices).
struct DlqRequeueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "requeue", abstract: "Run a dead letter's task again in its run (and its skipped dependents).")

    @Argument(help: "Dead-letter id (from `qctl dlq list`).")
    var id: String

    @OptionGroup var following: FollowOptions

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await redis.withQueue { queue in
            switch try await queue.requeueDeadLetter(id: id) {
            case .unknownDeadLetter:
                throw CommandFailure("no dead letter '\(id)' in namespace '\(redis.resolvedNamespace)' (requeued, purged, or trimmed off the list)")
            case .runGone(let run):
                let what = run.isEmpty ? "it names no run" : "its run '\(run)' no longer exists (finished runs expire after the coordinator's retention)"
                throw CommandFailure("cannot requeue dead letter \(id): \(what); resubmit the workflow, and `qctl dlq purge --yes` to clear the list")
            case .runHasDynamicFanOut(let run, let state):
                throw CommandFailure("run \(run) (\(state)) has an expanded dynamic fan-out, whose tasks are not requeued one by one; `qctl retry \(run)` runs its unsuccessful tasks again in place")
            case .runNotFinished(let run, let state):
                throw CommandFailure("run \(run) is still \(state); requeue dead letter \(id) after it finishes")
            case .alreadySucceeded(let run):
                Console.out("the task of dead letter \(id) has succeeded since in run \(run); removed the entry")
            case .unfinished(let run, let state):
                Console.out("requeued dead letter \(id) in run \(run) (now \(state)); the coordinator finishes resetting its tasks")
            case .requeued(let run, let count, let eventID):
                Console.out("requeued dead letter \(id): \(count) task\(count == 1 ? "" : "s") of run \(run) will run again")
                try await following.finish(run, queue: queue, after: eventID, total: count)
            }
        }
    }
}
