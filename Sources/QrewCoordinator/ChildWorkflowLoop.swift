import Logging
import QrewCore
import QrewQueue

/// A child workflow loop runs child workflows: it claims the child-workflow steps whose
/// dependencies finished from the reserved `__workflow` queue (blocking in Redis while there are
/// none), starts each one's child run with one fenced, idempotent `start_child` call, and ends
/// the steps whose child runs finished (`finish_children`).
struct ChildWorkflowLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger
    /// Prepares child runs exactly as submissions are prepared.
    let intake: RunIntake

    init(queue: QueueClient, configuration: CoordinatorConfiguration, leadership: Leadership, log: Logger) {
        self.queue = queue
        self.configuration = configuration
        self.leadership = leadership
        self.log = log
        var intake = RunIntake(
            limits: configuration.limits, priorityTables: configuration.priorityTables, retention: configuration.retention,
            maxWorkflowBytes: configuration.maxWorkflowBytes)
        intake.signer = configuration.signer
        self.intake = intake
    }

    /// Steps claimed per call.
    static let batch = 16
    /// How long a claimed step stays leased: starting its child takes milliseconds; a leader that
    /// dies meanwhile leaves it to the reaper, and the step is claimed again.
    static let lease = Duration.seconds(30)
    /// How long one blocking wait for a step lasts before the loop looks at leadership again
    /// (a child run that finishes wakes it at once: lib/finish leaves a wake-up token).
    static let wait = Duration.seconds(1)
    /// Finished child runs taken per `finish_children` call.
    static let finishBatch = 100

    func run() async {
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "child workflow loop")) { fence in
            var taken = Self.finishBatch
            while taken == Self.finishBatch {
                let finished = try await queue.finishChildren(limit: Self.finishBatch, fence: fence)
                if finished.ended > 0 { log.debug("ended \(finished.ended) child workflow step(s)") }
                taken = finished.taken
            }
            let (claimed, _) = try await queue.waitAndClaim(
                worker: "coordinator:\(configuration.id)", lease: Self.lease, max: Self.batch,
                queues: [QueueClient.childWorkflowQueue], timeout: Self.wait, proceed: { leadership.fence == fence })
            for step in claimed { try await start(step, fence: fence) }
        }
    }

    /// Starts the child run of `step`, unless its `if:` is false (then the step is skipped).
    private func start(_ step: ClaimedTask, fence: String) async throws(QueueError) {
        if let condition = (try? TaskSpec(jsonText: step.spec))?.condition {
            guard let expression = try? ConditionParser.parseStored(condition.expression) else {
                _ = try await queue.startChild(step, childRun: "", record: nil,
                                               error: "cannot parse the step's condition", fence: fence)
                return
            }
            let results = try await queue.dependencyResults(
                runID: step.ref.runID, taskIDs: condition.dependencies.values.flatMap { $0 })
            let context = condition.context(states: results.states, outputs: results.outputs)
            if !ConditionEvaluator.shouldRun(expression, in: context) {
                _ = try await queue.skipTask(step, reason: "condition false: \(condition.text)")
                return
            }
        }
        let (outcome, childRun) = try await queue.startChildWorkflow(step, intake: intake, fence: fence)
        switch outcome {
        case .started: log.info("\(step.ref) started child run \(childRun)")
        case .failed: log.info("child workflow step \(step.ref) failed: its child run could not start")
        case .stale: break
        }
    }
}
