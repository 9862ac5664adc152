/// One schedulable unit: a step, or one matrix combination of it, with resolved settings and score.
public struct PlannedTask: Sendable, Hashable, Codable, Identifiable {
    /// `step` or `step[key=value,...]` with keys in declaration order.
    public var id: String
    /// The step this task came from.
    public var stepID: String
    /// Matrix values in declaration order; empty for plain steps.
    public var matrix: [MatrixBinding]
    /// Task ids that must finish first.
    public var dependsOn: [String]
    /// Task ids directly waiting on this one.
    public var dependents: [String]
    /// Score from `PriorityTables`; higher runs first.
    public var priority: Int
    /// How to execute it.
    public var settings: TaskSettings

    /// The task id for a step and matrix combination.
    public static func makeID(stepID: String, matrix: [MatrixBinding]) -> String {
        guard !matrix.isEmpty else { return stepID }
        return stepID + "[" + matrix.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "]"
    }
}
