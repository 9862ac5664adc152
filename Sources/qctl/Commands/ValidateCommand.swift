import ArgumentParser
import QrewCore

/// `qctl validate FILE`: prints `ok` or every problem (exit 0 or 1); needs no Redis. It runs the
/// coordinator's own intake path, so "ok" means a coordinator accepts the file.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        _superCommandName: "qctl",
        abstract: "Check a workflow file and print every problem it has.")

    @OptionGroup var workflow: WorkflowOptions

    func run() throws {
        do {
            try workflow.checkAsCoordinator()
            Console.out("ok")
        } catch {
            throw ProblemReport.fail(error, file: workflow.file)
        }
    }
}
