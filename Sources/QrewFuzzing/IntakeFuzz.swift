import QrewCore
import QrewQueue

/// The coordinator's intake on arbitrary bytes, as `IntakeLoop` runs it on a submission: the
/// bytes before the first NUL are the workflow text, the bytes after it the submission's
/// `params` field (JSON), both through `RunIntake` (the one path from text to run record, which
/// `qctl validate`, `plan` and `submit` share). Then what `qctl plan` does with the same graph.
///
/// Checked: a rejection carries at least one problem; an accepted workflow's top-level `name`
/// read without loading it (`WorkflowLoader.declaredName`) is the loaded name; its record has one task per
/// planned task, unique ids that survive `<run>/<task>` refs, dependents and refs that name its
/// tasks, and specs that a worker decodes (and re-encodes byte for byte) and renders (every task a
/// worker runs: not the placeholders the leader expands or starts child runs for), and the
/// staged intake the coordinator runs (`RunIntake.stage`, records made a slice at a time) makes
/// the very records, fields and storage order `prepare` makes.
enum IntakeFuzz {
    /// The coordinator's defaults, without the cache of recently loaded texts.
    static let intake = RunIntake()
    static let fileName = "fuzz.yaml"
    static let runID = "fuzz-run"

    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        let (workflowBytes, paramsBytes) = bytes.splitOnce(at: 0)
        let text = String(fuzzBytes: workflowBytes)
        let params = paramsBytes.map { RunIntake.parameters(json: String(fuzzBytes: $0)) } ?? [:]
        let prepared: RunIntake.PreparedRun
        do {
            prepared = try intake.prepare(runID: runID, text: text, fileName: fileName, params: params)
        } catch {
            try expect(!error.problems.isEmpty, "a rejected workflow reported no problem")
            _ = error.description
            return
        }
        let graph = prepared.graph
        // what `qctl submit` names the run of a big file after, read without loading it
        if let declared = WorkflowLoader.declaredName(in: text) {
            try expect(declared == prepared.workflow.name, "declared name '\(declared)', loaded '\(prepared.workflow.name)'")
        }
        try check(prepared.record, graph: graph)
        try checkStaged(text: text, params: params, prepared: prepared.record)
        let report = PlanReport(graph: graph, analysis: PlanAnalysis(graph: graph))
        try expect(report.tasks.count == graph.tasks.count, "the plan lists \(report.tasks.count) of \(graph.tasks.count) tasks")
    }

    private static func checkStaged(text: String, params: [String: String], prepared: RunRecord) throws(FuzzFailure) {
        let storage: RunStorage
        do {
            storage = try intake.stage(runID: runID, text: text, fileName: fileName, params: params).storage
        } catch {
            throw FuzzFailure("prepare accepted the workflow, stage refused it: \(error)")
        }
        try expect(storage.fields == prepared.fields && storage.limits == prepared.limits, "staged run fields or limits differ")
        try expect(storage.records(prepared.storage.slicedOrder) == prepared.storageOrder, "staged records differ from prepared ones")
    }

    private static func check(_ record: RunRecord, graph: TaskGraph) throws(FuzzFailure) {
        try expect(record.tasks.count == graph.tasks.count, "record has \(record.tasks.count) tasks, graph \(graph.tasks.count)")
        let ids = Set(record.tasks.map(\.id))
        try expect(ids.count == record.tasks.count, "task ids are not unique")
        try expect(record.storageOrder.count == record.tasks.count, "storage order loses tasks")
        for task in record.tasks {
            let ref = TaskRef(runID: runID, taskID: task.id)
            try expect(TaskRef(ref.description) == ref, "ref '\(ref)' does not parse back")
            for other in task.dependents + task.refs {
                try expect(ids.contains(other), "task '\(task.id)' names unknown task '\(other)'")
            }
            for list in [task.dependents, task.refs] {
                let parsed = try? JSONReader.parse(list.jsonArrayText)
                try expect(parsed == .array(list.map(JSONValue.string)), "\(list) does not survive jsonArrayText")
            }
            let spec: TaskSpec
            do {
                spec = try TaskSpec(jsonText: task.spec)
            } catch {
                throw FuzzFailure("the spec of '\(task.id)' does not decode: \(error)\n\(task.spec)")
            }
            try expect(spec.runID == runID && spec.taskID == task.id && spec.stepID == task.step, "spec ids of '\(task.id)' differ")
            try expect(spec.jsonText == task.spec, "the spec of '\(task.id)' does not re-encode byte for byte")
            // A dynamic fan-out's placeholder and a child-workflow step never reach a worker: the
            // leader expands the one (its tasks render) and renders the other's `with:` itself.
            if [DynamicMatrix.placeholderQueue, ChildWorkflow.placeholderQueue].contains(task.queue) { continue }
            do {
                _ = try spec.rendered(outputs: [:])
            } catch {
                throw FuzzFailure("a worker cannot render the spec of '\(task.id)': \(error)\n\(task.spec)")
            }
        }
    }
}
