/// The typed error of loading or planning a workflow: every problem found, sorted by line.
public struct WorkflowValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// All problems, sorted by line then column; never empty when thrown.
    public var problems: [WorkflowProblem]

    /// Wraps the given problems, sorting them by location.
    public init(problems: [WorkflowProblem]) {
        self.problems = WorkflowProblem.sortedByLocation(problems)
    }

    /// One problem per line, ready to print.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
