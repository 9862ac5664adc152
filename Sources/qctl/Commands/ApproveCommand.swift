import ArgumentParser
import Foundation
import QrewQueue

/// `qctl approve RUN STEP [--reject] [--reason R] [--by NAME]`: decides a waiting
/// `type: approval` step (every task of a matrix step, or one task by its id `STEP[...]`); the
/// step ends succeeded (approved) or failed (rejected) and the run goes on from there.
struct ApproveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        _superCommandName: "qctl",
        abstract: "Approve (or --reject) an approval step that waits.",
        discussion: """
            The step ends succeeded and its dependents start; with --reject it ends failed \
            ("rejected by NAME: REASON") and its dependents are skipped unless it has continueOnError. \
            STEP is a step id (all of a matrix step's tasks) or one task id such as 'gate[region=eu]'.
            """)

    @Argument(help: "Run id.")
    var run: String

    @Argument(help: "Step id, or one task id of a matrix step.")
    var step: String

    @Flag(help: "Reject instead of approving: the step ends failed.")
    var reject = false

    @Option(help: "Why; recorded with the decision (the step's output or error).")
    var reason: String = ""

    @Option(help: "Who decides (default: $USER).")
    var by: String?

    @OptionGroup var redis: RedisOptions

    func validate() throws {
        if let by, by.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--by must not be empty") }
        if reason.utf8.count > 4096 { throw ValidationError("--reason is longer than 4096 bytes") }
    }

    func run() async throws {
        let decider = by ?? ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "unknown"
        try await redis.withQueue { queue in
            guard let snapshot = try await queue.runSnapshot(run) else { throw CommandFailure.unknownRun(run, redis) }
            let tasks = snapshot.tasks.filter { $0["step"] == step || $0["id"] == step }
            guard !tasks.isEmpty else {
                let steps = Array(Set(snapshot.tasks.compactMap { $0["step"] })).sorted()
                throw CommandFailure("run \(run) has no step or task '\(step)' (steps: \(steps.joined(separator: ", ")))")
            }
            let waiting = tasks.filter { $0["state"] == "ready" && $0["await"] == "approval" }.compactMap { $0["id"] }
            guard !waiting.isEmpty else {
                throw CommandFailure("'\(step)' of run \(run) is not waiting for approval (\(Self.describe(tasks)))")
            }
            guard let decided = try await queue.decideApprovalOrRequest(run, taskIDs: waiting, approve: !reject, by: decider, reason: reason) else {
                throw CommandFailure.unknownRun(run, redis)
            }
            guard decided > 0 else {
                throw CommandFailure("'\(step)' of run \(run) stopped waiting before the decision was recorded (decided, timed out or canceled)")
            }
            let verb = reject ? "rejected" : "approved"
            Console.out("\(verb) \(decided) task\(decided == 1 ? "" : "s") of '\(step)' in run \(run) as \(decider)")
        }
    }

    /// What the tasks are doing instead, for the refusal message.
    private static func describe(_ tasks: [[String: String]]) -> String {
        let states = tasks.map { task in
            task["await"] != "approval" ? "not an approval step" : (task["state"] == "waiting" ? "dependencies not finished" : task["state"] ?? "unknown")
        }
        return Array(Set(states)).sorted().joined(separator: ", ")
    }
}
