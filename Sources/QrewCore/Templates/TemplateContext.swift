/// The values a template can be rendered against; any part may be missing at a given stage
/// (the planner knows matrix values and params, the worker also knows outputs and the run id).
public struct TemplateContext: Sendable, Hashable {
    /// This task's matrix values by key.
    public var matrix: [String: String]
    /// Workflow parameters after submit-time overrides.
    public var params: [String: String]
    /// Outputs of finished steps by step id.
    public var stepOutputs: [String: String]
    /// The run's id, once known.
    public var runID: String?
    /// Secret values by name: only ever on the worker, and only while it renders the fields
    /// secrets are allowed in (see ``TaskSpec/resolvingSecrets(outputs:secrets:)``).
    public var secrets: [String: String] = [:]

    /// Creates a context.
    public init(
        matrix: [String: String] = [:],
        params: [String: String] = [:],
        stepOutputs: [String: String] = [:],
        runID: String? = nil
    ) {
        self.matrix = matrix
        self.params = params
        self.stepOutputs = stepOutputs
        self.runID = runID
    }

    /// The value for `reference`, if the context has it.
    public func value(for reference: TemplateReference) -> String? {
        switch reference {
        case .stepOutput(let id): stepOutputs[id]
        case .matrix(let key): matrix[key]
        case .param(let name): params[name]
        case .runID: runID
        case .secret(let name): secrets[name]
        }
    }
}
