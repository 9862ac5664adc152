/// Checks a workflow and reports every problem, without stopping at the first.
///
/// Works on the in-memory model, so generated workflows are validated exactly like files;
/// `WorkflowLoader` adds line numbers afterwards from the parser's marks. Runs in
/// O(steps + edges + matrix tasks) with iterative graph algorithms.
public enum WorkflowValidator {
    /// All problems of `workflow`, in discovery order (step order); empty means valid.
    public static func validate(
        _ workflow: Workflow,
        limits: ValidationLimits = .default,
        fileName: String = "<memory>"
    ) -> [WorkflowProblem] {
        check(workflow, limits: limits, fileName: fileName).problems
    }

    /// Problems plus the resolved step graph, so decomposition does not resolve it again.
    static func check(
        _ workflow: Workflow,
        limits: ValidationLimits,
        fileName: String
    ) -> (problems: [WorkflowProblem], graph: StepGraph) {
        var pass = ValidationPass(workflow: workflow, limits: limits, file: fileName)
        pass.checkWorkflowFields()
        pass.checkSecretsInNames()
        let indexByID = pass.checkStepIDs()
        let steps = workflow.steps
        for index in steps.indices {
            pass.checkStepFields(steps[index], at: index)
        }
        let dependencies = pass.resolveDependencies(indexByID: indexByID)
        pass.checkCycles(in: dependencies)
        return (pass.problems, StepGraph(indexByID: indexByID, dependencies: dependencies))
    }
}
