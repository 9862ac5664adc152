/// A task's identity across runs: `<run id>/<task id>`.
///
/// Run ids never contain `/`; task ids may (matrix values are free text), so the first `/`
/// separates the two.
public struct TaskRef: Sendable, Hashable, CustomStringConvertible {
    public let runID: String
    public let taskID: String

    public init(runID: String, taskID: String) {
        self.runID = runID
        self.taskID = taskID
    }

    /// Parses `<run>/<task>`; nil when there is no `/` or either side is empty.
    public init?(_ text: String) {
        guard let slash = text.firstIndex(of: "/") else { return nil }
        let run = String(text[..<slash])
        let task = String(text[text.index(after: slash)...])
        guard !run.isEmpty, !task.isEmpty else { return nil }
        self.init(runID: run, taskID: task)
    }

    public var description: String { "\(runID)/\(taskID)" }
}
