import ArgumentParser
import Foundation
import QrewCore
import QrewQueue

/// The workflow file and parameter overrides shared by commands that read a workflow.
struct WorkflowOptions: ParsableArguments {
    @Argument(help: "Workflow file (YAML or JSON).", completion: .file(extensions: ["yaml", "yml", "json"]))
    var file: String

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a declared parameter.", valueName: "key=value"))
    var parameters: [String] = []

    func validate() throws {
        for item in parameters where !item.contains("=") || item.hasPrefix("=") {
            throw ValidationError("--set expects key=value, got '\(item)'")
        }
    }

    /// Parameter overrides as a dictionary (a later `--set` of the same key wins).
    var overrides: [String: String] {
        var result: [String: String] = [:]
        for item in parameters {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }

    /// The file's text, or a problem naming the file when it cannot be read.
    func readText() throws(WorkflowValidationError) -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            let reason = FileManager.default.fileExists(atPath: file) ? "cannot be read as UTF-8 text" : "does not exist"
            throw WorkflowValidationError(problems: [WorkflowProblem(
                file: file, code: .syntax, message: "the file \(reason)",
                hint: "check the path (relative to \(FileManager.default.currentDirectoryPath))")])
        }
    }

    /// The texts of the files the workflow's child workflows name (`type: workflow` with
    /// `file:`), read relative to the file that names them, by resolved path.
    func includedFiles(text: String) -> [String: String] {
        ChildWorkflowFiles.collect(text: text, fileName: file) { path in try? String(contentsOfFile: path, encoding: .utf8) }
    }

    /// Reads the file and runs it through the coordinator's intake path (`RunIntake`: size,
    /// validation, overrides, decomposition, task records), so what passes here is what a
    /// coordinator stores.
    func prepare(
        intake: RunIntake = RunIntake(), durationEstimates: [String: Duration] = [:]
    ) throws(WorkflowValidationError) -> (text: String, run: RunIntake.PreparedRun) {
        let text = try readText()
        let prepared = try intake.prepare(
            runID: "validate", text: text, fileName: file, params: overrides, files: includedFiles(text: text)) { _ in durationEstimates }
        return (text, prepared)
    }

    /// What `validate` checks: the coordinator's intake path with its default limits
    /// (`RunIntake.check`: size, validation, overrides, decomposition), without the task records,
    /// which cannot fail and which only a coordinator stores.
    func checkAsCoordinator() throws(WorkflowValidationError) {
        let text = try readText()
        _ = try RunIntake().check(text: text, fileName: file, params: overrides, files: includedFiles(text: text))
    }

    /// Texts of this many bytes or more are checked by the coordinator alone when submitted: it
    /// parses every submission anyway, and loading an 8 MB file here as well cost `qctl submit` a
    /// second. Below it, checking here first (a few ms) keeps a typo from reaching Redis.
    static let coordinatorChecksFrom = 256 * 1024

    /// What `submit` sends and names its run after: the text and the workflow's name. A text
    /// under ``coordinatorChecksFrom`` bytes is checked first (`checkForSubmission`); a bigger one
    /// is left to the coordinator, which loads it once and reports its problems as a rejected run,
    /// and only its top-level `name` is read here (`WorkflowLoader.declaredName`).
    func textForSubmission() throws(WorkflowValidationError) -> (text: String, name: String) {
        let text = try readText()
        guard text.utf8.count < Self.coordinatorChecksFrom else { return (text, WorkflowLoader.declaredName(in: text) ?? "") }
        return (text, try check(text: text).workflow.name)
    }

    /// What `submit` checks before queuing: the intake path up to decomposition (`RunIntake.check`),
    /// without the task records only a coordinator needs. The size limit is left to the
    /// coordinator, which knows its own `--max-workflow-bytes` and rejects a bigger text with the
    /// same message.
    func checkForSubmission() throws(WorkflowValidationError) -> (text: String, workflow: Workflow) {
        let text = try readText()
        return (text, try check(text: text).workflow)
    }

    private func check(text: String) throws(WorkflowValidationError) -> (workflow: Workflow, graph: TaskGraph) {
        try RunIntake(maxWorkflowBytes: .max).check(text: text, fileName: file, params: overrides, files: includedFiles(text: text))
    }
}
