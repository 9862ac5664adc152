import ArgumentParser

/// `qctl breakers ...`: the circuit breakers of the namespace (docs/operations.md, "Circuit breakers").
struct BreakersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "breakers",
        _superCommandName: "qctl",
        abstract: "List circuit breakers (state, failures in window, open until, waiting tasks) or reset one.",
        subcommands: [BreakersListCommand.self, BreakersResetCommand.self],
        defaultSubcommand: BreakersListCommand.self)
}
