/// A workflow that passed validation, with the step graph validation resolved: decomposing it
/// (`TaskGraph(validated:)`) does not validate it again. Only `WorkflowLoader.loadValidated`
/// makes one, so the graph always belongs to the workflow.
public struct ValidatedWorkflow: Sendable {
    /// The workflow as loaded.
    public let workflow: Workflow
    /// Its steps' dependencies, resolved by validation.
    let steps: StepGraph
}
