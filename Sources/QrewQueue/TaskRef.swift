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

    /// Parses `<run>/<task>`; nil when there is no `/` or either side is empty. The first `/`
    /// byte separates them, as in the scripts (`split_ref`), found without breaking the text into
    /// characters: a worker parses every ref it claims.
    public init?(_ text: String) {
        let utf8 = text.utf8
        guard let slash = utf8.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        let run = String(decoding: utf8[..<slash], as: UTF8.self)
        let task = String(decoding: utf8[utf8.index(after: slash)...], as: UTF8.self)
        guard !run.isEmpty, !task.isEmpty else { return nil }
        self.init(runID: run, taskID: task)
    }

    public var description: String { "\(runID)/\(taskID)" }

    /// Hashes the task id alone: a worker looks its tasks up by ref several times each, and the
    /// run id (~30 bytes) would more than double what is hashed. Refs of one task id in other
    /// runs share a hash and are told apart by `==`.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(taskID)
    }
}
