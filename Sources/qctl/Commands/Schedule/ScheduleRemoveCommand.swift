import ArgumentParser
import QrewQueue

/// `qctl schedule remove NAME`: deletes a schedule; runs it already submitted go on.
struct ScheduleRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Delete a schedule (runs it submitted go on).")

    @OptionGroup var scheduleName: ScheduleNameArgument
    @OptionGroup var redis: RedisOptions

    func run() async throws {
        let name = scheduleName.name
        try await redis.withQueue { queue in
            guard try await queue.removeSchedule(name) else {
                throw CommandFailure("no schedule '\(name)' in namespace '\(redis.resolvedNamespace)'; `qctl schedule list` lists them")
            }
            Console.out("removed schedule '\(name)'")
        }
    }
}

/// `qctl schedule pause NAME`: the schedule fires nothing until resumed.
struct SchedulePauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Stop a schedule from submitting runs until it is resumed.")

    @OptionGroup var scheduleName: ScheduleNameArgument
    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await ScheduleToggle.set(scheduleName.name, paused: true, redis: redis)
    }
}

/// `qctl schedule resume NAME`: fires again from the next tick after now (ticks that passed
/// while paused never run).
struct ScheduleResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a paused schedule from its next tick (ticks missed while paused do not run).")

    @OptionGroup var scheduleName: ScheduleNameArgument
    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await ScheduleToggle.set(scheduleName.name, paused: false, redis: redis)
    }
}

enum ScheduleToggle {
    static func set(_ name: String, paused: Bool, redis: RedisOptions) async throws {
        try await redis.withQueue { queue in
            guard let changed = try await queue.setSchedulePaused(name, paused: paused) else {
                throw CommandFailure("no schedule '\(name)' in namespace '\(redis.resolvedNamespace)'; `qctl schedule list` lists them")
            }
            let verb = paused ? "paused" : "resumed"
            Console.out(changed ? "\(verb) schedule '\(name)'" : "schedule '\(name)' was already \(verb)")
        }
    }
}
