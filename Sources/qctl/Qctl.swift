import ArgumentParser
import Foundation

/// `qctl`: validate, plan, submit and follow Qrew workflows.
@main
struct Qctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qctl",
        abstract: "Validate, plan, submit and follow Qrew workflows.",
        subcommands: [
            ValidateCommand.self, PlanCommand.self, SubmitCommand.self, WatchCommand.self, StatusCommand.self,
            LogsCommand.self, ListCommand.self, CancelCommand.self, RetryCommand.self, DlqCommand.self, CacheCommand.self, WorkersCommand.self,
            DevCommand.self, BreakersCommand.self, ScheduleCommand.self, ApproveCommand.self, SignalCommand.self, StatsCommand.self,
            WhyCommand.self, AclCommand.self, SigningKeyCommand.self,
        ])

    /// Runs the command; usage errors exit 2 (not ArgumentParser's 64), as scripts expect.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
