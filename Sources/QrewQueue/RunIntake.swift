import QrewCore

/// Turns a submitted workflow text into the run a coordinator stores: size check, load and
/// validate, submit-time parameters, decomposition, task records.
///
/// This is the one path from text to `RunRecord`: the coordinator's intake runs it on every
/// submission, and `qctl validate`, `plan` and `submit` run it before anything reaches Redis, so
/// a file that validates is a file a coordinator accepts. It does no I/O.
public struct RunIntake: Sendable {
    /// Limits checked when a workflow is validated.
    public var limits: ValidationLimits
    /// Scoring tables for task priority.
    public var priorityTables: PriorityTables
    /// How long the finished run stays in Redis (stored in the run record).
    public var retention: Duration
    /// Largest workflow text accepted; a bigger one is rejected unparsed.
    public var maxWorkflowBytes: Int
    /// Recently loaded workflows (the coordinator's; a resubmitted text skips parsing).
    let cache: WorkflowCache?
    /// Signs every task of a prepared run (the coordinator's `--signing-key-file`); nil leaves them unsigned.
    public var signer: TaskSigner?
    /// Runs the pieces a big workflow's load and decomposition are cut into: one after another
    /// by default (`qctl`); the coordinator, on whose path every run waits, uses all cores
    /// (`PieceRunner.allCores`). The result is the same with any runner.
    public var runner: PieceRunner = .serial

    /// The coordinator's defaults: 4 MiB of workflow text, a week of retention.
    public static let defaultMaxWorkflowBytes = 4 << 20

    /// Creates an intake; `cachingWorkflows` keeps recently loaded texts (for a long-lived
    /// process that sees the same files again).
    public init(
        limits: ValidationLimits = .default,
        priorityTables: PriorityTables = .default,
        retention: Duration = .seconds(7 * 24 * 3600),
        maxWorkflowBytes: Int = RunIntake.defaultMaxWorkflowBytes,
        cachingWorkflows: Bool = false
    ) {
        self.limits = limits
        self.priorityTables = priorityTables
        self.retention = retention
        self.maxWorkflowBytes = maxWorkflowBytes
        cache = cachingWorkflows ? WorkflowCache() : nil
    }

    /// A submission turned into what `submit_run` stores, with the model it came from.
    public struct PreparedRun: Sendable {
        public let workflow: Workflow
        public let graph: TaskGraph
        public let record: RunRecord
    }

    /// Prepares run `runID` from a workflow `text` (named `fileName` in problems) with the
    /// submit-time parameter overrides `params`. `durationEstimates` gives the learned step
    /// durations of a workflow by name (critical-path scoring); none by default. `files` are the
    /// texts of the files its child workflows name, by resolved path (`ChildWorkflowFiles`).
    ///
    /// - Throws: `WorkflowValidationError` with every problem; nothing is to be stored then.
    public func prepare(
        runID: String, text: String, fileName: String, params: [String: String], files: [String: String] = [:],
        durationEstimates: (_ workflowName: String) -> [String: Duration] = { _ in [:] }
    ) throws(WorkflowValidationError) -> PreparedRun {
        try prepare(text: text, fileName: fileName, params: params, files: files, durationEstimates: durationEstimates) { _ in runID }
    }

    /// `prepare(runID:...)` for a run whose id comes from its validated workflow (`qctl submit`'s
    /// default `<name>-<time>-<hex>`), so the text is checked and decomposed once.
    public func prepare(
        text: String, fileName: String, params: [String: String], files: [String: String] = [:],
        durationEstimates: (_ workflowName: String) -> [String: Duration] = { _ in [:] },
        runID: (Workflow) -> String
    ) throws(WorkflowValidationError) -> PreparedRun {
        let staged = try staged(
            text: text, fileName: fileName, params: params, files: files, durationEstimates: durationEstimates, runID: runID)
        return PreparedRun(workflow: staged.workflow, graph: staged.graph, record: staged.storage.record)
    }

    /// A submission checked as `prepare` checks it, whose task records are made (and signed) a
    /// slice at a time as `QueueSession.submitRun` stores them: a big run's first tasks are
    /// queued without waiting for the records of the rest (the coordinator's intake).
    public struct StagedRun: Sendable {
        public let workflow: Workflow
        public let graph: TaskGraph
        public let storage: RunStorage
    }

    /// `prepare(runID:...)`, with the task records left for the storing calls to make (`StagedRun`).
    ///
    /// - Throws: `WorkflowValidationError` with every problem; nothing is to be stored then.
    public func stage(
        runID: String, text: String, fileName: String, params: [String: String], files: [String: String] = [:],
        durationEstimates: (_ workflowName: String) -> [String: Duration] = { _ in [:] }
    ) throws(WorkflowValidationError) -> StagedRun {
        try staged(text: text, fileName: fileName, params: params, files: files, durationEstimates: durationEstimates) { _ in runID }
    }

    /// The one path of `prepare` and `stage`: check, then the run's storage (records made on demand).
    private func staged(
        text: String, fileName: String, params: [String: String], files: [String: String],
        durationEstimates: (_ workflowName: String) -> [String: Duration], runID: (Workflow) -> String
    ) throws(WorkflowValidationError) -> StagedRun {
        let (workflow, graph) = try check(
            text: text, fileName: fileName, params: params, files: files, durationEstimates: durationEstimates)
        let storage = RunRecordBuilder.storage(
            runID: runID(workflow), workflow: workflow, graph: graph, file: fileName, params: params, retention: retention,
            signer: signer)
        return StagedRun(workflow: workflow, graph: graph, storage: storage)
    }

    /// Everything `prepare` checks (size, load and validation, parameters, decomposition), without
    /// building the task records, which cannot fail: what a submitter needs to know that a
    /// coordinator with these settings accepts the text (`qctl submit` before queuing it).
    ///
    /// - Throws: `WorkflowValidationError` with every problem.
    public func check(
        text: String, fileName: String, params: [String: String], files: [String: String] = [:],
        durationEstimates: (_ workflowName: String) -> [String: Duration] = { _ in [:] }
    ) throws(WorkflowValidationError) -> (workflow: Workflow, graph: TaskGraph) {
        guard text.utf8.count <= maxWorkflowBytes else {
            throw WorkflowValidationError(problems: [WorkflowProblem(
                file: fileName, code: .invalidValue,
                message: "the workflow is \(text.utf8.count) bytes, over the coordinator's limit of \(maxWorkflowBytes) bytes",
                hint: "split it into smaller workflows, or raise the coordinator's --max-workflow-bytes")])
        }
        let includedBytes = files.values.reduce(0) { $0 + $1.utf8.count }
        guard text.utf8.count + includedBytes <= maxWorkflowBytes else {
            throw WorkflowValidationError(problems: [WorkflowProblem(
                file: fileName, code: .invalidValue,
                message: "the workflow and the \(files.count) file(s) its child workflows include are \(text.utf8.count + includedBytes) "
                    + "bytes, over the coordinator's limit of \(maxWorkflowBytes) bytes",
                hint: "include fewer or smaller child workflows, or raise the coordinator's --max-workflow-bytes")])
        }
        let load = { () throws(WorkflowValidationError) in
            try WorkflowLoader.loadValidated(text: text, fileName: fileName, limits: limits, files: files, runner: runner)
        }
        // The cache is keyed by the text alone: a workflow including files is loaded each time.
        let loaded = if let cache, files.isEmpty { try cache.workflow(for: text, load: load) } else { try load() }
        let estimates = durationEstimates(loaded.workflow.name)
        // Validated once: overrides change parameter values, which validation sees, so only a
        // submission with overrides is validated again as it will run.
        guard !params.isEmpty else {
            let graph = try TaskGraph(
                validated: loaded, priorityTables: priorityTables, fileName: fileName, durationEstimates: estimates, runner: runner)
            return (loaded.workflow, graph)
        }
        let workflow = try loaded.workflow.applyingParameters(params, fileName: fileName)
        let graph = try TaskGraph(
            workflow: workflow, priorityTables: priorityTables, limits: limits, fileName: fileName, durationEstimates: estimates,
            runner: runner)
        return (workflow, graph)
    }

    /// The `--set` parameters of a submission entry: a JSON object of strings (anything else is
    /// ignored).
    public static func parameters(json: String) -> [String: String] {
        guard case .object(let members)? = try? JSONReader.parse(json) else { return [:] }
        var parameters: [String: String] = [:]
        for member in members {
            if case .string(let value) = member.value { parameters[member.key] = value }
        }
        return parameters
    }

    /// The `files` of a submission entry (the texts its child workflows include, by resolved
    /// path): a JSON object of strings (anything else is ignored).
    public static func includedFiles(json: String) -> [String: String] { parameters(json: json) }

    /// Run ids name Redis keys and refs (`<run>/<task>`): letters, digits, `-`, `_`, `.`, up to 128.
    public static func isValidRunID(_ id: String) -> Bool {
        PlainName.isValid(id, maxLength: 128)
    }
}
