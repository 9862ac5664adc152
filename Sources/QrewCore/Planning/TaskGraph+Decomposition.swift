extension TaskGraph {
    /// Validates `workflow` and expands it into tasks.
    ///
    /// A dependency on a matrix step means all of its tasks; `${{ steps.X.output }}` adds an
    /// implicit dependency. `${{ matrix.K }}` and `${{ params.K }}` are substituted now (apply
    /// submit-time overrides first with `Workflow.applyingParameters`); step outputs and the run id
    /// are left for `TemplateRenderer` at run time. Each task's score includes the critical-path
    /// bonus (`PriorityTables.criticalPathBonuses`), weighed by `durationEstimates` (step id →
    /// expected duration, e.g. learned from earlier runs) when given, by step count otherwise.
    ///
    /// A long list of steps has its tasks planned in runs of steps at once by `runner` (on
    /// several cores, with a runner that uses them); the graph is the same with any runner.
    ///
    /// - Throws: `WorkflowValidationError` if the workflow is invalid; nothing is planned then.
    public init(
        workflow: Workflow,
        priorityTables: PriorityTables = .default,
        limits: ValidationLimits = .default,
        fileName: String = "<memory>",
        durationEstimates: [String: Duration] = [:],
        runner: PieceRunner = .serial
    ) throws(WorkflowValidationError) {
        let (problems, stepGraph) = WorkflowValidator.check(workflow, limits: limits, fileName: fileName)
        guard problems.isEmpty else { throw WorkflowValidationError(problems: problems) }
        try self.init(
            decomposing: workflow, stepGraph: stepGraph, priorityTables: priorityTables, fileName: fileName,
            durationEstimates: durationEstimates, runner: runner)
    }

    /// Expands a workflow `WorkflowLoader.loadValidated` validated into tasks, as
    /// `init(workflow:...)` does, without validating it again.
    ///
    /// - Throws: `WorkflowValidationError` if a template of a task cannot be rendered.
    public init(
        validated: ValidatedWorkflow,
        priorityTables: PriorityTables = .default,
        fileName: String = "<memory>",
        durationEstimates: [String: Duration] = [:],
        runner: PieceRunner = .serial
    ) throws(WorkflowValidationError) {
        try self.init(
            decomposing: validated.workflow, stepGraph: validated.steps, priorityTables: priorityTables, fileName: fileName,
            durationEstimates: durationEstimates, runner: runner)
    }

    /// Graphs of fewer tasks are planned in one piece.
    static let minimumTasksToCut = 1000

    /// Expands `workflow`, whose validation resolved `stepGraph`, into tasks.
    private init(
        decomposing workflow: Workflow,
        stepGraph: StepGraph,
        priorityTables: PriorityTables,
        fileName: String,
        durationEstimates: [String: Duration],
        runner: PieceRunner
    ) throws(WorkflowValidationError) {
        let steps = workflow.steps

        // Task index ranges per step.
        var combinationsByStep: [[[MatrixBinding]]] = []
        combinationsByStep.reserveCapacity(steps.count)
        var firstTask = [Int](repeating: 0, count: steps.count + 1)
        for (index, step) in steps.enumerated() {
            let combinations = step.matrix.isEmpty ? [[]] : step.matrix.combinations()
            combinationsByStep.append(combinations)
            firstTask[index + 1] = firstTask[index] + combinations.count
        }
        let taskCount = firstTask[steps.count]

        var sources: [Int] = []
        var destinations: [Int] = []
        sources.reserveCapacity(stepGraph.dependencies.edgeCount)
        destinations.reserveCapacity(stepGraph.dependencies.edgeCount)
        for stepIndex in steps.indices {
            for task in firstTask[stepIndex]..<firstTask[stepIndex + 1] {
                for dependency in stepGraph.dependencies.neighbors(of: stepIndex) {
                    for target in firstTask[dependency]..<firstTask[dependency + 1] {
                        sources.append(task)
                        destinations.append(target)
                    }
                }
            }
        }
        let dependencies = AdjacencyList(nodeCount: taskCount, sources: sources, destinations: destinations)
        let dependents = dependencies.reversed()
        var stepOfTask: [String] = []
        stepOfTask.reserveCapacity(taskCount)
        for (stepIndex, step) in steps.enumerated() {
            stepOfTask += repeatElement(step.id, count: firstTask[stepIndex + 1] - firstTask[stepIndex])
        }
        let criticalPathBonus = priorityTables.criticalPathBonuses(
            dependents: dependents, weights: CriticalPath.weights(stepIDs: stepOfTask, estimates: durationEstimates))

        var taskIDs: [String] = []
        taskIDs.reserveCapacity(taskCount)
        for (stepIndex, step) in steps.enumerated() {
            for combination in combinationsByStep[stepIndex] {
                taskIDs.append(PlannedTask.makeID(stepID: step.id, matrix: combination))
            }
        }

        let baseRetry = workflow.defaults.retries?.resolved(over: .default) ?? .default
        // The tasks of a run of steps, with the problems of rendering their templates. Each step's
        // tasks depend on nothing another step's planning computes, so runs of steps are planned
        // apart, each with its own template cache (a matrix step renders the same texts once per
        // task: each is parsed once), and joined in step order.
        let plan = { @Sendable [firstTask, taskIDs, combinationsByStep] (stepRange: Range<Int>) -> (tasks: [PlannedTask], problems: [WorkflowProblem]) in
            var tasks: [PlannedTask] = []
            tasks.reserveCapacity(firstTask[stepRange.upperBound] - firstTask[stepRange.lowerBound])
            var problems: [WorkflowProblem] = []
            let templates = TemplateCache()
            for stepIndex in stepRange {
                let step = workflow.steps[stepIndex]
                let retry = step.retries?.resolved(over: baseRetry) ?? baseRetry
                let hasTemplates = step.mayContainTemplates || (step.cache == nil && workflow.defaults.cache?.mayContainTemplates == true)
                for (offset, combination) in combinationsByStep[stepIndex].enumerated() {
                    let task = firstTask[stepIndex] + offset
                    let context = hasTemplates ? TemplateContext(
                        matrix: Dictionary(combination.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first }),
                        params: workflow.params
                    ) : TemplateContext()
                    var settings: TaskSettings
                    do throws(TemplateError) {
                        settings = try Self.settings(for: step, workflow: workflow, retry: retry, renderer: TemplateRenderer(context: context, cache: templates))
                        if let condition = step.condition {
                            settings.condition = StepCondition(text: condition.text, expression: condition.expression.substituting(
                                params: workflow.params,
                                matrix: Dictionary(combination.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })))
                        }
                    } catch {
                        problems.append(WorkflowProblem(
                            file: fileName, stepID: step.id, field: "steps[\(stepIndex)]", code: .badReference, message: error.description
                        ))
                        continue
                    }
                    tasks.append(PlannedTask(
                        id: taskIDs[task],
                        stepID: step.id,
                        matrix: combination,
                        dependsOn: dependencies.neighbors(of: task).map { taskIDs[$0] },
                        dependents: dependents.neighbors(of: task).map { taskIDs[$0] },
                        priority: priorityTables.score(
                            for: step, dependents: dependents.degree(of: task), criticalPathBonus: criticalPathBonus[task]),
                        settings: settings
                    ))
                }
            }
            return (tasks, problems)
        }
        let planned: [(tasks: [PlannedTask], problems: [WorkflowProblem])]
        if runner.width > 1, taskCount >= Self.minimumTasksToCut {
            // Runs of steps with about the same number of tasks each.
            let pieces = 2 * runner.width
            var bounds = [0]
            for piece in 1..<pieces {
                let target = taskCount * piece / pieces
                var step = bounds[bounds.count - 1]
                while step < steps.count, firstTask[step] < target { step += 1 }
                bounds.append(step)
            }
            bounds.append(steps.count)
            let runs = bounds.indices.dropLast().map { bounds[$0]..<bounds[$0 + 1] }
            planned = runner.map(runs.count) { plan(runs[$0]) }
        } else {
            planned = [plan(steps.indices)]
        }
        let tasks = planned.flatMap(\.tasks)
        let renderProblems = planned.flatMap(\.problems)
        guard renderProblems.isEmpty else { throw WorkflowValidationError(problems: renderProblems) }
        self.init(workflowName: workflow.name, tasks: tasks, dependencies: dependencies, dependents: dependents)
    }

    /// Resolved settings of one task: defaults applied, matrix values and params substituted.
    private static func settings(
        for step: Step,
        workflow: Workflow,
        retry: RetryPolicy,
        renderer: TemplateRenderer
    ) throws(TemplateError) -> TaskSettings {
        var env: [String: String] = [:]
        for (name, value) in step.env { env[name] = try renderer.renderPartially(value) }
        var http = step.http
        if let spec = step.http {
            var headers: [String: String] = [:]
            for (name, value) in spec.headers { headers[name] = try renderer.renderPartially(value) }
            http = HTTPSpec(
                url: try renderer.renderPartially(spec.url),
                method: spec.method,
                headers: headers,
                body: try spec.body.map { text throws(TemplateError) in try renderer.renderPartially(text) }
            )
        }
        var arguments: [String: Step.Argument] = [:]
        for (name, argument) in step.arguments {
            if case .string(let text) = argument {
                arguments[name] = .string(try renderer.renderPartially(text))
            } else {
                arguments[name] = argument
            }
        }
        let cache = try CacheSpec.resolved(step: step.cache, defaults: workflow.defaults.cache, renderer: renderer)
        var run: [String] = []
        run.reserveCapacity(step.run.count)
        for item in step.run { run.append(try renderer.renderPartially(item)) }
        var settings = TaskSettings(
            type: step.type,
            run: run,
            shell: step.shell,
            env: env,
            cwd: try step.cwd.map { text throws(TemplateError) in try renderer.renderPartially(text) },
            http: http,
            arguments: arguments,
            timeout: step.timeout ?? workflow.defaults.timeout,
            retry: retry,
            resource: step.resource,
            queue: step.queue ?? workflow.defaults.queue ?? "default",
            continueOnError: step.continueOnError,
            maxConcurrency: step.maxConcurrency,
            cache: cache,
            queueTimeout: step.queueTimeout ?? workflow.defaults.queueTimeout,
            heartbeatTimeout: step.heartbeatTimeout ?? workflow.defaults.heartbeatTimeout
        )
        try settings.renderGates(of: step, defaults: workflow.defaults, renderer: renderer)
        settings.fanOut = step.dynamicMatrix
        if step.type == .approval || step.type == .wait { settings.applyAwaiting(of: step) }
        if step.type == .workflow { settings.applyChildWorkflow(of: step) }
        return settings
    }
}
