/// Bounds that keep a single workflow from overwhelming the cluster.
///
/// They are configuration so an operator can raise them for a big data fan-out without a rebuild.
public struct ValidationLimits: Sendable, Hashable, Codable {
    /// The most tasks one step's matrix may expand into.
    public var maxMatrixTasksPerStep: Int
    /// The most steps a workflow may declare.
    public var maxSteps: Int

    /// Creates limits; the defaults are 256 tasks per matrix step and one million steps.
    public init(maxMatrixTasksPerStep: Int = 256, maxSteps: Int = 1_000_000) {
        self.maxMatrixTasksPerStep = maxMatrixTasksPerStep
        self.maxSteps = maxSteps
    }

    /// The limits used when the caller has no opinion.
    public static let `default` = ValidationLimits()
}
