import QrewInspect
import ArgumentParser
import QrewCore
import QrewQueue

/// `qctl why RUN [TASK]`: what each task that is not running waits for, now (docs/operations.md,
/// *Why a task waits*). Read-only; exits 0 whatever the answer.
struct WhyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "why",
        _superCommandName: "qctl",
        abstract: "Explain why a task (or every unfinished task of a run) is not running.",
        discussion: """
            Reasons: dependencies not finished, parked on a full pool or maxConcurrency (and which \
            tasks hold it), backing off until a time, a circuit breaker / rate limit / concurrency \
            key, awaiting an approval, event or timer, a queue no live worker serves, worker slots \
            all busy, the run canceling or ended. Without TASK, lists every task not finished.
            """)

    @Argument(help: "Run id.")
    var run: String

    @Argument(help: "Task id (e.g. deploy[region=eu]); every unfinished task when left out.")
    var task: String?

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print a JSON array of {task, state, reason, detail, waitingOn, limit, heldBy, queue, until}.")
    var json = false

    @Option(help: ArgumentHelp("The workers' lease; workers seen within twice this count as live.", valueName: "duration"))
    var lease = "30s"

    func validate() throws {
        guard (try? DurationParser.parse(lease)) != nil else { throw ValidationError("--lease: '\(lease)' is not a duration; write e.g. 30s") }
    }

    func run() async throws {
        let window = try DurationParser.parse(lease) * 2
        try await redis.withQueue { queue in
            guard let facts = try await queue.waitFacts(run, liveWithin: window) else { throw CommandFailure.unknownRun(run, redis) }
            let ids: [String]
            if let task {
                guard facts.tasks[task] != nil else {
                    throw CommandFailure("run \(run) has no task '\(task)' (`qctl status \(run)` lists its tasks)")
                }
                ids = [task]
            } else {
                ids = facts.order.filter { !RunRecords.finalStates.contains(facts.tasks[$0]?["state"] ?? "") }
            }
            let answers = ids.compactMap { WaitDiagnosis.explain(task: $0, facts: facts, time: Timestamp.rfc3339(milliseconds:)) }
            if json {
                try Console.json(answers)
            } else if answers.isEmpty {
                Console.out("run \(run) (\(facts.runState)): no task is waiting")
            } else {
                for answer in answers { Console.out("\(answer.task) (\(answer.state)): \(answer.detail)") }
            }
        }
    }
}
