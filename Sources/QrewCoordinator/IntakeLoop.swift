import QrewCore
import QrewQueue

/// An intake loop turns submissions into runs: it validates and decomposes each workflow and
/// stores it with its ready tasks queued, or records it as a failed run with every problem.
/// Re-submitting a run id that exists changes nothing.
package struct IntakeLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: ServiceLogger
    /// Workflows recently loaded from submitted texts (a resubmitted file skips parsing).
    let recentWorkflows = WorkflowCache()

    func run() async {
        var reader = CoordinatorStreamReader(queue: queue, stream: queue.keys.submissions, consumer: configuration.id, count: 16)
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "intake"), onRedisFailure: { reader.reset() }) { fence in
            // One job on one connection and thread: read, decompose, store, acknowledge. A new
            // run's tasks are queued without a hop between threads after its submission arrives.
            reader = try await queue.blockingSession { [self, reader] session throws(QueueError) in
                var reader = reader
                let entries = try reader.next(on: session)
                for entry in entries {
                    try accept(entry, fence: fence, session: session)
                }
                try session.acknowledge(stream: queue.keys.submissions, ids: entries.map(\.id))
                return reader
            }
        }
    }

    private func accept(_ entry: StreamEntry, fence: String, session: QueueSession) throws(QueueError) {
        let runID = entry.fields["run"] ?? ""
        let file = entry.fields["file"] ?? "workflow.yaml"
        guard Self.isValidRunID(runID) else {
            log.warning("dropped submission \(entry.id): run id '\(runID)' is not valid")
            return
        }
        let text = entry.fields["workflow"] ?? ""
        guard text.utf8.count <= configuration.maxWorkflowBytes else {
            let reason = "\(file): the workflow is \(text.utf8.count) bytes, over the coordinator's limit of "
                + "\(configuration.maxWorkflowBytes) bytes; split it or raise --max-workflow-bytes"
            _ = try session.rejectRun(runID: runID, name: "", error: reason, fence: fence, retention: configuration.retention)
            log.warning("run \(runID) rejected: \(reason)")
            return
        }
        let params = entry.fields["params"].map(Self.parameters) ?? [:]
        let workflow: Workflow
        let graph: TaskGraph
        let clock = ContinuousClock()
        let received = clock.now
        var loaded = received
        do {
            workflow = try recentWorkflows.workflow(for: text) { () throws(WorkflowValidationError) in
                try WorkflowLoader.load(text: text, fileName: file, limits: configuration.limits)
            }.applyingParameters(params, fileName: file)
            loaded = clock.now
            graph = try TaskGraph(workflow: workflow, priorityTables: configuration.priorityTables, limits: configuration.limits, fileName: file)
        } catch {
            let text = error.problems.map(\.description).joined(separator: "\n")
            _ = try session.rejectRun(runID: runID, name: "", error: text, fence: fence, retention: configuration.retention)
            log.info("run \(runID) rejected: \(error.problems.count) problem(s) in \(file)")
            return
        }
        let decomposed = clock.now
        let record = RunRecordBuilder.record(
            runID: runID, workflow: workflow, graph: graph, file: file, params: params, retention: configuration.retention)
        let built = clock.now
        let submitted = try session.submitRun(record, fence: fence, slice: configuration.storeSlice)
        log.debug(
            "run \(runID) intake: load \(loaded - received), decompose \(decomposed - loaded), "
                + "records \(built - decomposed), submit_run \(clock.now - built)")
        for resize in submitted.resizedPools {
            log.warning(
                "run \(runID) resized pool '\(resize.pool)' from \(resize.previousSize) to \(resize.size); every run "
                    + "of the namespace shares it (the latest submission wins)")
        }
        if submitted.created {
            log.info("run \(runID) (\(workflow.name)) queued: \(graph.tasks.count) tasks, \(graph.initiallyReady.count) ready")
        } else if let resumedAt = submitted.resumedAt {
            log.warning("run \(runID) was stored in part (\(resumedAt) of \(graph.tasks.count) tasks); stored the rest")
        } else {
            log.info("run \(runID) already exists; submission ignored")
        }
    }

    /// The `--set` parameters of a submission: a JSON object of strings (anything else is ignored).
    package static func parameters(_ json: String) -> [String: String] {
        guard case .object(let members)? = try? JSONReader.parse(json) else { return [:] }
        var parameters: [String: String] = [:]
        for member in members {
            if case .string(let value) = member.value { parameters[member.key] = value }
        }
        return parameters
    }

    /// Run ids name Redis keys and refs (`<run>/<task>`): letters, digits, `-`, `_`, `.`, up to 128.
    static func isValidRunID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                true
            default:
                false
            }
        }
    }
}
