import ArgumentParser
import Foundation
import QrewCore
import QrewQueue

/// `qctl signal RUN EVENT [--data JSON]`: completes the run's `type: wait` steps waiting for
/// EVENT, with the data as their output; a step that reaches the wait later completes at once.
struct SignalCommand: AsyncParsableCommand {
    /// The largest `--data` accepted: a step output, not a file transfer.
    static let maximumDataBytes = 65_536

    static let configuration = CommandConfiguration(
        commandName: "signal",
        _superCommandName: "qctl",
        abstract: "Send an event to a run: its wait steps for the event complete.",
        discussion: """
            Every step of the run with 'type: wait' and 'event: EVENT' that waits ends succeeded, \
            its output the --data JSON (what ${{ steps.X.output }} reads). The event is kept with \
            the run, so a wait step the run reaches later completes at once.
            """)

    @Argument(help: "Run id.")
    var run: String

    @Argument(help: "Event name (letters, digits, '_', '-', '.').")
    var event: String

    @Option(help: "JSON data: the waiting steps' output (at most 64 KiB).")
    var data: String = ""

    @OptionGroup var redis: RedisOptions

    func validate() throws {
        guard Step.isValidEventName(event) else {
            throw ValidationError("invalid event name '\(event)': start with a letter or digit; then letters, digits, '_', '-', '.' (at most 128)")
        }
        guard data.utf8.count <= Self.maximumDataBytes else {
            throw ValidationError("--data is \(data.utf8.count) bytes; at most \(Self.maximumDataBytes) are allowed")
        }
        if !data.isEmpty, (try? FoundationJSON.object(from: Data(data.utf8), options: .fragmentsAllowed)) == nil {
            throw ValidationError("--data is not valid JSON: \(data.prefix(80)) (quote a string: --data '\"text\"')")
        }
    }

    func run() async throws {
        try await redis.withQueue { queue in
            guard let completed = try await queue.signalOrRequest(run, event: event, data: data) else {
                throw CommandFailure.unknownRun(run, redis)
            }
            if completed > 0 {
                Console.out("signaled \(event) to run \(run): \(completed) waiting task\(completed == 1 ? "" : "s") completed")
            } else {
                Console.out("signaled \(event) to run \(run): nothing waits for it now; a wait step for it completes when reached")
            }
        }
    }
}
