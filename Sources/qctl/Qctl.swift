import ArgumentParser
import Dispatch
import Foundation

/// `qctl`: validate, plan, submit and follow Qrew workflows.
@main
struct Qctl: ParsableCommand {
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
    ///
    /// Synchronous on purpose: an `async` main gives the main thread to `dispatch_main`, which
    /// ends it with `pthread_exit`, and in the statically linked release qctl that forced unwind
    /// first sorts the unwind tables of the whole image (~20 ms of CPU, three times what the rest
    /// of `qctl status` costs; docs/benchmarks.md, "Front door: qctl start-up and YAML"). An async
    /// command runs on the concurrency pool instead while the main thread waits for it (nothing in
    /// qctl runs on the main actor).
    ///
    /// qctl's own failures (`CommandFailure`, an `ExitCode`) are reported here directly:
    /// ArgumentParser's `exitCode(for:)`, `fullMessage(for:)` and `exit(withError:)` each build
    /// the root command's usage text first, even for an error that shows none (~0.3 ms of a
    /// `qctl status` of a missing run; docs/benchmarks.md, "Front door: qctl one-shot commands").
    static func main() {
        do {
            var command = try parse(Array(CommandLine.arguments.dropFirst()))
            if let asyncCommand = command as? AsyncParsableCommand {
                try AsyncCommandRun(asyncCommand).runToCompletion()
            } else {
                try command.run()
            }
        } catch let failure as CommandFailure {
            Console.error(_errorPrefix + failure.description)
            Foundation.exit(ExitCode.failure.rawValue)
        } catch let code as ExitCode where code != .success {
            Foundation.exit(exitStatus(code))
        } catch {
            let code = exitCode(for: error)
            // Help and version go to stdout as ArgumentParser prints them.
            if code == .success { exit(withError: error) }
            // An error in one write: ArgumentParser prints to the unbuffered stderr a byte a call.
            let message = fullMessage(for: error)
            if !message.isEmpty { Console.error(message) }
            exit(withError: ExitCode(exitStatus(code)))
        }
    }

    /// The command `arguments` name, parsed. A top-level command is first parsed as its own root:
    /// parsing from `qctl` also builds the tree of every command and runs two throwaway parsers
    /// looking for `--generate-completion-script` (together ~0.6 ms of the ~2.9 ms of CPU a
    /// `qctl validate` cost; docs/benchmarks.md, "qctl: the command named is parsed"). A command that
    /// names qctl as its super-command (`_superCommandName`) is a root ArgumentParser runs no
    /// completion check for. Anything that shortcut does not parse into one of that command's own
    /// types (help, a usage error, a completion request) is parsed again from `qctl`, so what a
    /// user sees, help and errors included, is what the root gives.
    private static func parse(_ arguments: [String]) throws -> ParsableCommand {
        if let name = arguments.first,
           !arguments.contains(where: { $0.hasPrefix("--generate-completion-script") || $0.hasPrefix("---") || $0.hasPrefix("--experimental-") }),
           let topLevel = configuration.subcommands.first(where: {
               $0.configuration.commandName == name && $0.configuration._superCommandName == configuration.commandName
           }),
           let command = try? topLevel.parseAsRoot(Array(arguments.dropFirst())),
           isCommand(type(of: command), in: topLevel)
        {
            return command
        }
        return try parseAsRoot(arguments)
    }

    /// Whether `type` is `root` or one of the commands below it (not ArgumentParser's help command).
    private static func isCommand(_ type: ParsableCommand.Type, in root: ParsableCommand.Type) -> Bool {
        type == root || root.configuration.subcommands.contains { isCommand(type, in: $0) }
    }

    /// The status qctl exits with for `code`: 2 for a usage error, as the tools it sits beside.
    private static func exitStatus(_ code: ExitCode) -> Int32 {
        code == .validationFailure ? 2 : code.rawValue
    }
}

/// One async command, run on the concurrency pool while the calling thread waits for its outcome.
/// Unchecked Sendable: the command and its result are touched by the running task only, and read
/// by the waiting thread after the semaphore orders that access behind the task's last write.
private final class AsyncCommandRun: @unchecked Sendable {
    private var command: any AsyncParsableCommand
    private var outcome: Result<Void, any Error> = .success(())

    init(_ command: any AsyncParsableCommand) {
        self.command = command
    }

    /// Runs the command and blocks until it has finished; rethrows what it threw.
    func runToCompletion() throws {
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            await self.run()
            finished.signal()
        }
        finished.wait()
        try outcome.get()
    }

    private func run() async {
        do {
            try await command.run()
        } catch {
            outcome = .failure(error)
        }
    }
}
