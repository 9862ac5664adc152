import Logging
import QrewCore
import QrewQueue

/// A task runner takes one claimed task from its lease to a recorded result: decodes and renders
/// the spec, runs it with the executors while streaming its output to the run's stream, and
/// records the result through the worker's ``ResultCommitter`` (group commit, retried through
/// Redis outages). A task stopped on the way (run canceled, lease lost) records nothing; one
/// stopped by a drain is handed back.
struct TaskRunner: Sendable {
    let queue: QueueClient
    let committer: ResultCommitter
    let executors: ExecutorRegistry
    let tasks: RunningTasks
    let outage: RedisOutage
    let logger: Logger
    let configuration: WorkerConfiguration
    /// Blames the attempt for a crash while it runs; releases the task once it ends.
    let crashReporter: CrashReporter?
    let metrics: WorkerMetrics
    /// Where `${{ secrets.NAME }}` values come from.
    let secretSource: SecretSource

    /// What one attempt produced, in the shape `complete` records.
    struct Attempt: Sendable {
        var outcome: TaskOutcome
        var exitCode: Int32?
        var output: String
        var error: String?
        /// The backoff before the next attempt, when the step's policy retries this outcome.
        var retryDelay: Duration?
        /// True when nothing is left to record: the result cache completed the task (or found
        /// its lease gone) before it ran.
        var settledBeforeRunning = false

        /// An attempt that never ran: a spec that cannot be decoded, rendered or mapped. Not
        /// retried, since running it again would fail the same way.
        static func invalid(_ message: String) -> Attempt {
            Attempt(outcome: .failed, exitCode: nil, output: "", error: message, retryDelay: nil)
        }
    }

    /// Runs `claimed` to the end and frees its slot; then runs the successor its result call
    /// leased for that slot, if any (``ResultCommitter``), and so on, in the same Swift task.
    func run(_ claimed: ClaimedTask) async {
        var next: ClaimedTask? = claimed
        while let current = next { next = await runAttempt(current) }
    }

    /// Runs one claimed task to the end and frees its slot; returns the successor to run next.
    private func runAttempt(_ claimed: ClaimedTask) async -> ClaimedTask? {
        let started = ContinuousClock.now
        let attempt = await attributingCrashes(to: claimed) { await execute(claimed) }
        let ranFor = ContinuousClock.now - started
        if attempt.settledBeforeRunning {
            crashReporter?.release(claimed.ref)
            tasks.remove(claimed.ref)
            metrics.held(tasks.count, slots: tasks.slots)
            return nil
        }
        var successor: ClaimedTask?
        switch tasks.beginCompleting(claimed.ref) {
        case .canceled?:
            committer.discardOutput(claimed.ref)
            logger.info("\(claimed.ref) stopped: its run was canceled")
        case .leaseLost?:
            committer.discardOutput(claimed.ref)
            logger.warning("\(claimed.ref) stopped: its lease was lost (reclaimed); no result recorded")
        case .draining?:
            committer.discardOutput(claimed.ref)
            await handBack(claimed)
        case nil:
            successor = await record(claimed, attempt, ranFor: ranFor)
        }
        if let successor {
            // The successor's slot was taken, and it was held for crash reports and counted,
            // when its lease arrived (ResultCommitter); it runs in this Swift task.
            tasks.handOn(from: claimed.ref, to: successor.ref)
        }
        crashReporter?.release(claimed.ref)
        tasks.remove(claimed.ref)
        metrics.held(tasks.count, slots: tasks.slots)
        return successor
    }

    /// Runs `body` with `claimed` as the task a crash on its thread blames (``CrashAttribution``).
    private func attributingCrashes(to claimed: ClaimedTask, _ body: () async -> Attempt) async -> Attempt {
        guard let crashReporter else { return await body() }
        let attribution = crashReporter.attribution(for: claimed)
        defer { attribution.end() }
        return await CrashAttribution.$current.withValue(attribution) { await body() }
    }

    private func execute(_ claimed: ClaimedTask) async -> Attempt {
        if let signer = configuration.signer {
            do throws(SignatureRefusal) {
                try claimed.verifySignature(with: signer)
            } catch {
                logger.warning("\(claimed.ref) refused, nothing run: \(error)")
                return .invalid(error.description)
            }
        }
        // Where a bug in decoding or running a spec would hit: the test-only fault point.
        configuration.faults.crashIfInjected(intoTaskSpec: claimed.spec)
        let spec: TaskSpec
        do {
            spec = try TaskSpec(jsonText: claimed.spec)
        } catch {
            return .invalid("cannot decode the task spec: \(error)")
        }
        // A false `if:` skips the task whatever this worker would run.
        if let condition = spec.condition, let settled = await settledByCondition(claimed, condition) { return settled }
        if let refusal = configuration.policy.typeRefusal(spec.type) { return .invalid(refusal) }
        let execution: TaskExecution
        let redactor: SecretRedactor
        do {
            if spec.cache != nil {
                // Secrets stay references here: the cache key must not depend on their values.
                let rendered = try spec.rendered(outputs: claimed.outputs)
                if await settledFromCache(claimed, rendered) {
                    return Attempt(outcome: .succeeded, exitCode: nil, output: "", error: nil, settledBeforeRunning: true)
                }
            }
            let secretNames = spec.secretNames
            var secrets: [String: String] = [:]
            if !secretNames.isEmpty {
                switch secretSource.values(for: secretNames) {
                case .success(let values): secrets = values
                case .failure(let problem): return .invalid(problem.description)
                }
            }
            redactor = SecretRedactor(values: secrets.values)
            var prepared = try spec.resolvingSecrets(outputs: claimed.outputs, secrets: secrets).execution(
                attempt: claimed.attempt, killGrace: configuration.killGrace,
                cancelGrace: configuration.cancelGrace, outputCap: configuration.outputCap)
            if let refusal = policyRefusal(prepared) { return .invalid(refusal) }
            prepared.denyPrivateAddresses = configuration.policy.denyPrivateHTTP
            // The attempt's span in the run's trace, so the task's own telemetry joins it.
            if let traceparent = claimed.traceparent { prepared.extraEnvironment["TRACEPARENT"] = traceparent }
            execution = prepared
        } catch let error as TaskSpec.ExecutionError {
            return .invalid(error.description)
        } catch {
            return .invalid("cannot render the task spec: \(error)")
        }
        if let refusal = await addressRefusal(execution) { return .invalid(refusal) }
        let attempt = await run(claimed, spec: spec, execution: execution, redactor: redactor)
        guard !redactor.isEmpty else { return attempt }
        // The output was redacted as it was produced; error texts quote stderr and responses.
        var redacted = attempt
        redacted.error = attempt.error.map { redactor.redact($0) }
        return redacted
    }

    /// Runs the prepared attempt; with secrets, its live output and progress are redacted.
    private func run(_ claimed: ClaimedTask, spec: TaskSpec, execution: TaskExecution, redactor: SecretRedactor) async -> Attempt {
        let watchdog = execution.heartbeatTimeout.map(SilenceWatchdog.init(timeout:))
        let onProgress = redacting(progressSink(claimed, watchdog), redactor)
        let sinks = redacting((outputSink(claimed), finalOutputSink(claimed)), redactor)
        var result: TaskExecutionResult
        var outcome: TaskOutcome
        if let watchdog {
            let watched = await watchdog.run { [executors] in
                await executors.run(execution, onOutput: sinks.live, onProgress: onProgress, onFinalOutput: sinks.final)
            }
            result = watched.result
            outcome = result.outcome.taskOutcome
            if watched.silent {
                outcome = .lost
                result.error = "heartbeat timeout: no progress for \(watchdog.timeout.qrewShortDescription)"
            }
        } else {
            result = await executors.run(execution, onOutput: sinks.live, onProgress: onProgress, onFinalOutput: sinks.final)
            outcome = result.outcome.taskOutcome
        }
        var retryDelay: Duration?
        if spec.retry.shouldRetry(outcome: outcome, attempt: claimed.attempt) {
            var generator = SystemRandomNumberGenerator()
            retryDelay = spec.retry.delay(afterAttempt: claimed.attempt, using: &generator)
        }
        // Redacted before the cut, so the cut cannot split a secret past its redaction.
        let output = redactor.redact(result.output, truncated: result.truncated).prefixUTF8(configuration.outputCap)
        return Attempt(outcome: outcome, exitCode: result.exitCode, output: output, error: result.error, retryDelay: retryDelay)
    }

    /// Hands each batch to the committer, which streams it (stdout and stderr as separate
    /// entries) with the next call or inside the task's completion. Only called when the task
    /// prints something, so a silent task costs nothing.
    private func outputSink(_ claimed: ClaimedTask) -> OutputSink {
        { [committer] lines in committer.output(claimed, lines) }
    }

    /// Hands lines printed as the attempt ends to the committer, which sends them inside the
    /// task's completion (``ExecutorContext/onFinalOutput``).
    private func finalOutputSink(_ claimed: ClaimedTask) -> OutputSink {
        { [committer] lines in committer.output(claimed, lines, withResult: true) }
    }

    /// Records each batch of progress reports in one call (the most recent
    /// ``maximumProgressBatch`` of a batch; older ones in it are superseded) and restarts the
    /// attempt's silence clock. A report that cannot be recorded (Redis unreachable) is dropped:
    /// progress is informational, and the next report carries the latest state.
    private func progressSink(_ claimed: ClaimedTask, _ watchdog: SilenceWatchdog?) -> ProgressSink {
        { [queue, outage, tasks] updates in
            watchdog?.heard()
            let reports = updates.suffix(Self.maximumProgressBatch).map {
                QueueClient.ProgressReport(task: claimed, percent: $0.percent, message: $0.message)
            }
            do throws(QueueError) {
                _ = try await queue.reportProgress(Array(reports))
                outage.succeeded()
            } catch {
                outage.failed(error, during: "reporting progress of \(claimed.ref)", running: tasks.count)
            }
        }
    }

    /// Most progress reports of one task sent in one call.
    static let maximumProgressBatch = 20

    /// Records the result (group commit; retried while Redis is unreachable) and logs what
    /// became of it; returns the successor leased for the task's slot, if any.
    private func record(_ claimed: ClaimedTask, _ attempt: Attempt, ranFor: Duration) async -> ClaimedTask? {
        let recorded = await committer.complete(TaskCompletion(
            task: claimed, outcome: attempt.outcome, exitCode: attempt.exitCode, output: attempt.output,
            error: attempt.error, retryDelay: attempt.retryDelay))
        switch recorded?.status {
        case nil:
            logger.error(Logger.Message(stringLiteral: "gave up recording the result of \(claimed.ref): its lease ran out while Redis was "
                    + "unreachable, so it will run again"))
        case .stale?:
            logger.warning("result of \(claimed.ref) refused: the lease is no longer held")
        case .recorded?, .retrying?:
            metrics.finished(claimed, state: attempt.outcome.rawValue, retrying: recorded?.status == .retrying, ranFor: ranFor)
            if attempt.outcome != .succeeded {
                let retry = attempt.retryDelay.map { ", retry in \($0.qrewShortDescription)" } ?? ""
                logger.debug(Logger.Message(stringLiteral: "\(claimed.ref) attempt \(claimed.attempt) \(attempt.outcome.rawValue): "
                        + "\(attempt.error ?? "no error message")\(retry)"))
            }
        }
        return recorded?.successor
    }

    /// Returns a task the drain stopped to its queue, so another worker starts it at once.
    private func handBack(_ claimed: ClaimedTask) async {
        do {
            if try await queue.handBack(claimed) {
                logger.info("handed back \(claimed.ref)")
            }
            outage.succeeded()
        } catch {
            outage.failed(error, during: "handing back \(claimed.ref)", running: tasks.count)
            logger.warning("could not hand back \(claimed.ref); it runs again once its lease expires")
        }
    }
}

extension String {
    /// At most `cap` bytes of UTF-8, cut at a scalar boundary.
    func prefixUTF8(_ cap: Int) -> String {
        guard utf8.count > cap else { return self }
        var end = utf8.index(utf8.startIndex, offsetBy: cap)
        // Step back over continuation bytes (10xxxxxx) to the start of the cut scalar.
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 {
            end = utf8.index(before: end)
        }
        return String(decoding: utf8[..<end], as: UTF8.self)
    }
}
