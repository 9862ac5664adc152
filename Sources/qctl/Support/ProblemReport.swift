import ArgumentParser
import Foundation
import QrewCore

/// Prints every validation problem, one per line, and ends the command with exit status 1.
enum ProblemReport {
    static func fail(_ error: WorkflowValidationError, file: String) -> ExitCode {
        for problem in error.problems {
            print(problem.description)
        }
        let count = error.problems.count
        FileHandle.standardError.write(Data("\(file): \(count) problem\(count == 1 ? "" : "s"); nothing was queued\n".utf8))
        return ExitCode.failure
    }
}
