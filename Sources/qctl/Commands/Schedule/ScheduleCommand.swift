import ArgumentParser
import QrewCore

/// `qctl schedule ...`: workflows the leading coordinator submits by itself on a cron schedule
/// (docs/operations.md, "Schedules").
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        _superCommandName: "qctl",
        abstract: "Run workflows on a cron schedule: add, list, remove, pause, resume.",
        subcommands: [
            ScheduleAddCommand.self, ScheduleListCommand.self, ScheduleRemoveCommand.self, SchedulePauseCommand.self,
            ScheduleResumeCommand.self,
        ],
        defaultSubcommand: ScheduleListCommand.self)
}

/// The schedule name argument shared by the schedule subcommands.
struct ScheduleNameArgument: ParsableArguments {
    @Argument(help: "Schedule name (letters, digits, '-', '_', '.'; at most 64).")
    var name: String

    func validate() throws {
        guard ScheduleSpec.isValidName(name) else {
            throw ValidationError("schedule name '\(name)': use 1 to 64 letters, digits, '-', '_' and '.' (e.g. nightly-report)")
        }
    }
}
