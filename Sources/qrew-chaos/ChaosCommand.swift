import ArgumentParser

/// `qrew-chaos`: the chaos suite (the default), the memory soak and the partition proxy.
@main
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrew-chaos",
        abstract: "Fault injection and soak runs against a real local cluster (docs/operations.md).",
        subcommands: [SuiteCommand.self, SoakCommand.self, ProxyCommand.self],
        defaultSubcommand: SuiteCommand.self)
}
