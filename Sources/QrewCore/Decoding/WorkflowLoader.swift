/// Entry point for workflow files: parse YAML or JSON, decode, validate, and return either the
/// workflow or every problem with file, line and column.
public enum WorkflowLoader {
    /// Loads a workflow from `text` (YAML, or JSON, which is YAML flow syntax).
    ///
    /// - Parameters:
    ///   - text: The file's contents.
    ///   - fileName: Used in problem descriptions (`flow.yaml:12:5: ...`).
    ///   - limits: Expansion limits for validation.
    ///   - files: The texts of the files child workflows (`type: workflow` with `file:`) name,
    ///     by resolved path (`ChildWorkflow.resolve`; `ChildWorkflowFiles.collect` gathers them).
    /// - Throws: `WorkflowValidationError` with all problems sorted by line.
    public static func load(
        text: String,
        fileName: String = "workflow.yaml",
        limits: ValidationLimits = .default,
        files: [String: String] = [:]
    ) throws(WorkflowValidationError) -> Workflow {
        try loadValidated(text: text, fileName: fileName, limits: limits, files: files).workflow
    }

    /// Loads a workflow like `load`, keeping what validation resolved, so decomposing it
    /// (`TaskGraph(validated:)`) skips validating it again.
    ///
    /// `runner` parses and decodes a long `steps:` list in pieces (on several cores, with a
    /// runner that uses them); the result is the same with any runner.
    ///
    /// - Throws: `WorkflowValidationError` with all problems sorted by line.
    public static func loadValidated(
        text: String,
        fileName: String = "workflow.yaml",
        limits: ValidationLimits = .default,
        files: [String: String] = [:],
        runner: PieceRunner = .serial
    ) throws(WorkflowValidationError) -> ValidatedWorkflow {
        let context = ChildWorkflowContext(files: files, limits: limits, stack: [ChildWorkflow.resolve(fileName, from: "")], depth: 0)
        let root = try parse(text: text, fileName: fileName, runner: runner)
        let (loaded, problems) = decodeAndValidate(root: root, fileName: fileName, context: context, runner: runner)
        guard problems.isEmpty else { throw WorkflowValidationError(problems: problems) }
        return ValidatedWorkflow(workflow: loaded.workflow, steps: loaded.steps)
    }

    /// A workflow decoded with the files its own child workflows include.
    struct LoadedChild {
        let workflow: Workflow
        let files: [String: String]
        /// The step graph validation resolved (meaningful only when there were no problems).
        let steps: StepGraph
    }

    /// Loads the child workflow `text` (named `fileName`) at the nesting `context` describes;
    /// returns its problems instead of throwing, so the parent reports them with its own.
    static func loadChild(text: String, fileName: String, context: ChildWorkflowContext) -> (LoadedChild?, [WorkflowProblem]) {
        do {
            let root = try parse(text: text, fileName: fileName)
            let (loaded, problems) = decodeAndValidate(root: root, fileName: fileName, context: context)
            return (loaded, problems)
        } catch {
            return (nil, error.problems)
        }
    }

    /// Decodes and validates the document `root` of file `fileName`; every problem, located.
    static func decodeAndValidate(
        root: YAMLNode, fileName: String, context: ChildWorkflowContext, runner: PieceRunner = .serial
    ) -> (LoadedChild, [WorkflowProblem]) {
        var decoder = WorkflowDecoder(file: fileName)
        decoder.childContext = context
        decoder.runner = runner
        let workflow = decoder.decode(root: root)
        let reportedFields = Set(decoder.problems.compactMap(\.field))
        let (problems, steps) = WorkflowValidator.check(workflow, limits: context.limits, fileName: fileName)
        let validation = problems
            .filter { problem in problem.field.map { !reportedFields.contains($0) } ?? true }
            .map(decoder.sourceMap.locate)
        return (LoadedChild(workflow: workflow, files: workflow.childWorkflowFiles, steps: steps), decoder.problems + validation)
    }

    /// The YAML document of `text`, or its syntax problem.
    private static func parse(text: String, fileName: String, runner: PieceRunner = .serial) throws(WorkflowValidationError) -> YAMLNode {
        let root: YAMLNode?
        do {
            root = try YAMLComposer.compose(JSONText.normalizingTabs(in: text), runner: runner)
        } catch {
            throw WorkflowValidationError(problems: [syntaxProblem(error, file: fileName)])
        }
        guard let root else {
            throw WorkflowValidationError(problems: [WorkflowProblem(
                file: fileName, line: 1, column: 1, code: .emptyWorkflow, message: "the file is empty",
                hint: "a workflow needs at least 'name' and 'steps'"
            )])
        }
        return root
    }

    /// One `syntax` (or `duplicateKey`) problem carrying the parser's position and message.
    static func syntaxProblem(_ error: YAMLSyntaxError, file: String) -> WorkflowProblem {
        switch error.kind {
        case .syntax:
            WorkflowProblem(file: file, line: error.mark?.line, column: error.mark?.column, code: .syntax,
                            message: "invalid YAML: \(error.message)", hint: "check indentation, quotes and brackets near this line")
        case .duplicateKey:
            WorkflowProblem(file: file, line: error.mark?.line, column: error.mark?.column, code: .duplicateKey,
                            message: error.message, hint: "each key may appear once per mapping")
        case .unreadable:
            WorkflowProblem(file: file, code: .syntax, message: "unreadable input: \(error.message)")
        }
    }
}
