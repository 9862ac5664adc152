import Logging
import CoreMetrics
import QrewCore
import QrewQueue

/// An intake loop turns submissions into runs: it validates and decomposes each workflow and
/// stores it with its ready tasks queued, or records it as a failed run with every problem.
/// Each run gets a W3C trace (`RunTrace`): the submission's `traceparent`, else a new one.
/// Re-submitting a run id that exists changes nothing; a submission that crashed a coordinator
/// is stored as a failed run instead of being processed again (`IntakeQuarantine`).
struct IntakeLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger
    /// Text to stored run: the same path `qctl validate` runs.
    let intake: RunIntake
    /// Blames the submission being processed for a crash, so one that crashes a coordinator is
    /// rejected by the next instead of crashing it too.
    let quarantine: IntakeQuarantine
    /// Learned step durations, read from Redis once per workflow every few seconds.
    let estimates = DurationEstimatesCache()

    init(
        queue: QueueClient, configuration: CoordinatorConfiguration, leadership: Leadership, log: Logger,
        crashReporter: CrashReporter?
    ) {
        quarantine = IntakeQuarantine(reporter: crashReporter)
        self.queue = queue
        self.configuration = configuration
        self.leadership = leadership
        self.log = log
        var intake = RunIntake(
            limits: configuration.limits, priorityTables: configuration.priorityTables, retention: configuration.retention,
            maxWorkflowBytes: configuration.maxWorkflowBytes, cachingWorkflows: true)
        intake.signer = configuration.signer
        // Every run waits for its intake: a big workflow is loaded and planned on all cores.
        intake.runner = .allCores
        self.intake = intake
    }

    func run() async {
        var reader = CoordinatorStreamReader(
            queue: queue, stream: queue.keys.submissions, consumer: configuration.id, count: 16, staleAfter: configuration.leaderLease)
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "intake"), onRedisFailure: { reader.reset() }) { fence in
            // One job on one connection and thread: acknowledge the last batch and read, decompose,
            // store. A new run's tasks are queued without a hop between threads after its
            // submission arrives, and the batch is acknowledged in the same write as the next read.
            reader = try await queue.blockingSession { [self, reader] session throws(QueueError) in
                var reader = reader
                let entries = try reader.next(on: session)
                for entry in entries {
                    try accept(entry, recovered: reader.lastBatchWasRecovered, fence: fence, session: session)
                }
                reader.acknowledgeWithNextRead(entries.map(\.id))
                return reader
            }
        }
    }

    private func accept(_ entry: StreamEntry, recovered: Bool, fence: String, session: QueueSession) throws(QueueError) {
        let runID = entry.fields["run"] ?? ""
        let file = entry.fields["file"] ?? "workflow.yaml"
        guard RunIntake.isValidRunID(runID) else {
            log.warning("dropped submission \(entry.id): run id '\(runID)' is not valid")
            return
        }
        if let crash = try quarantine.crash(recordedFor: entry, recovered: recovered, session: session) {
            let reason = "this submission crashed a coordinator while being processed; it was not retried: \(file)"
            if try session.rejectRun(runID: runID, name: "", error: reason, fence: fence, retention: configuration.retention) {
                log.error("run \(runID) quarantined: submission \(entry.id) crashed a coordinator while being processed (\(crash))")
            } else {
                log.error(Logger.Message(stringLiteral: "run \(runID) was stored in part when its submission crashed a coordinator (\(crash)); it is not "
                    + "resumed: cancel it (qctl cancel \(runID))"))
            }
            try session.forgetIntakeCrash(entryID: entry.id)
            return
        }
        try quarantine.processing(entry) { () throws(QueueError) in try process(entry, runID: runID, file: file, fence: fence, session: session) }
    }

    /// Validates, decomposes and stores one submission, or stores it rejected with its problems.
    private func process(_ entry: StreamEntry, runID: String, file: String, fence: String, session: QueueSession) throws(QueueError) {
        let text = entry.fields["workflow"] ?? ""
        configuration.faults.crashIfInjected(intoSubmission: text)
        let params = entry.fields["params"].map { RunIntake.parameters(json: $0) } ?? [:]
        let files = entry.fields["files"].map { RunIntake.includedFiles(json: $0) } ?? [:]
        let clock = ContinuousClock()
        let received = clock.now
        let staged: RunIntake.StagedRun
        do {
            // Learned step durations weigh the critical-path bonus; without them (none yet, or
            // Redis failing, which submit_run reports next) the path is counted in steps.
            staged = try intake.stage(runID: runID, text: text, fileName: file, params: params, files: files) { name in
                estimates.estimates(workflow: name) { (try? session.durationEstimates(workflow: name)) ?? [:] }
            }
        } catch {
            let text = error.problems.map(\.description).joined(separator: "\n")
            _ = try session.rejectRun(runID: runID, name: "", error: text, fence: fence, retention: configuration.retention)
            Counter(label: MetricNames.submissions, dimensions: [("outcome", "rejected")]).increment()
            log.info("run \(runID) rejected: \(error.problems.count) problem(s) in \(file)")
            return
        }
        let trace: RunTrace
        do {
            trace = try entry.fields["traceparent"].map { text throws(RunTraceError) in try RunTrace(parent: text) } ?? .new()
        } catch {
            _ = try session.rejectRun(runID: runID, name: "", error: "traceparent: \(error)", fence: fence, retention: configuration.retention)
            log.info("run \(runID) rejected: its traceparent is not valid")
            return
        }
        let checked = clock.now
        let graph = staged.graph
        let submitted = try session.submitRun(staged.storage.traced(trace), fence: fence, slice: configuration.storeSlice)
        let stored = clock.now
        log.debug("run \(runID) intake: check \(checked - received), build and store \(stored - checked)")
        let took = (stored - received).components
        CoreMetrics.Timer(label: MetricNames.intakeLatency).recordNanoseconds(took.seconds * 1_000_000_000 + took.attoseconds / 1_000_000_000)
        let outcome = submitted.created || submitted.resumedAt != nil ? "queued" : "duplicate"
        Counter(label: MetricNames.submissions, dimensions: [("outcome", outcome)]).increment()
        for resize in submitted.resizedPools {
            log.warning(Logger.Message(stringLiteral: "run \(runID) resized pool '\(resize.pool)' from \(resize.previousSize) to \(resize.size); every run "
                    + "of the namespace shares it (the latest submission wins)"))
        }
        if submitted.created {
            log.info("run \(runID) (\(staged.workflow.name)) queued: \(graph.tasks.count) tasks, \(graph.initiallyReady.count) ready")
        } else if let resumedAt = submitted.resumedAt {
            log.warning("run \(runID) was stored in part (\(resumedAt) of \(graph.tasks.count) tasks); stored the rest")
        } else {
            log.info("run \(runID) already exists; submission ignored")
        }
    }
}
