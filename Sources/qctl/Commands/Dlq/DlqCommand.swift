import ArgumentParser

/// `qctl dlq ...`: the dead-letter list, tasks that failed for good and ready-queue garbage
/// (docs/protocol.md, "Dead letters").
struct DlqCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        _superCommandName: "qctl",
        abstract: "List, show, requeue and purge dead letters (tasks that failed for good).",
        subcommands: [DlqListCommand.self, DlqShowCommand.self, DlqRequeueCommand.self, DlqPurgeCommand.self],
        defaultSubcommand: DlqListCommand.self)
}
