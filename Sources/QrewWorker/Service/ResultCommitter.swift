import Logging
import QrewQueue
import Synchronization

/// A result committer records finished tasks' results and streams running tasks' output with
/// group commit: everything that piles up while one call is in flight goes out in the next one,
/// as a single `complete` (and, when running tasks printed something, a single `append_output`).
///
/// A result is sent the moment no call is in flight, by the task that reported it (no hop to
/// another task), so an idle worker pays one round trip per result and a busy one far fewer.
/// Output of a running task waits at most `outputDelay` (or until the next call goes out);
/// output still waiting when its task finishes travels inside the task's completion, so a task
/// that prints a line and ends (`echo`) costs one round trip.
/// While Redis is unreachable the pending results are retried with backoff; one whose lease has
/// run out meanwhile is given up (the task runs again elsewhere).
/// With `durability` (`--durable-results`) each call also waits for replicas to hold the results.
///
/// With `successors` (the worker, lease and queues to ask for), each call sets aside as many free
/// slots as it carries results (at most) and asks `complete` to lease that many ready tasks in
/// the same round trip; each one goes to the task runner of one of the results, which runs it
/// next (``TaskRunner``). None are asked for while `wantsSuccessors` is false (draining), and any
/// that arrive then are handed back.
final class ResultCommitter: Sendable {
    /// Most lines of one task kept waiting; more are dropped (and counted in the stream).
    static let maxPendingLines = 10_000

    /// What became of a result: its status, and the successor leased for its slot, if any.
    struct Recorded: Sendable {
        let status: CompletionStatus
        let successor: ClaimedTask?
    }

    private struct Waiting {
        let completion: TaskCompletion
        let recorded: OneShot<Recorded?>
    }

    private struct PendingOutput {
        let task: ClaimedTask
        var stdout: [String] = []
        var stderr: [String] = []
        var dropped = 0

        var lineCount: Int { stdout.count + stderr.count }

        /// Adds `lines`, dropping (and counting) those beyond ``maxPendingLines``.
        mutating func add(_ lines: [OutputLine]) {
            for line in lines {
                if lineCount >= ResultCommitter.maxPendingLines {
                    dropped += 1
                } else if line.stream == .stdout {
                    stdout.append(line.text)
                } else {
                    stderr.append(line.text)
                }
            }
        }

        /// The lines to send, with a notice for those dropped.
        func appends() -> [OutputAppend] {
            var errors = stderr
            if dropped > 0 { errors.append("[qrew: \(dropped) lines dropped from the live stream]") }
            var batches: [OutputAppend] = []
            if !stdout.isEmpty { batches.append(OutputAppend(task: task, stream: "stdout", lines: stdout)) }
            if !errors.isEmpty { batches.append(OutputAppend(task: task, stream: "stderr", lines: errors)) }
            return batches
        }
    }

    private struct State {
        var completions: [Waiting] = []
        var output: [TaskRef: PendingOutput] = [:]
        /// Lines printed as their attempts ended, kept for the tasks' completions only.
        var finalLines: [TaskRef: [OutputLine]] = [:]
        /// When the oldest waiting output line arrived.
        var outputSince: ContinuousClock.Instant?
        var flushing = false
        /// Whether a timer will start the flusher when the output delay of waiting lines ends.
        var timerArmed = false
        /// The flusher waiting for the output delay to pass (or for a result to send).
        var waiter: CheckedContinuation<Void, Never>?
        var waiterGeneration = 0
    }

    private enum Step {
        case send([Waiting], [PendingOutput])
        case wait(until: ContinuousClock.Instant)
        case stop
    }

    let outputDelay: Duration
    private let queue: QueueClient
    private let tasks: RunningTasks
    private let outage: RedisOutage
    private let durability: ResultDurability?
    private let successors: SuccessorRequest?
    private let wantsSuccessors: @Sendable () -> Bool
    /// Called with the successors a reply leased, all at once, before their runners get them:
    /// the crash reporter blames them and the metrics count them as one claim from then on.
    private let leased: @Sendable ([ClaimedTask]) -> Void
    private let logger: Logger
    /// Whether the last durable commit went unacknowledged by replicas (logged on change only).
    private let replicasBehind = Mutex(false)
    private let state = Mutex(State())

    init(
        queue: QueueClient, tasks: RunningTasks, outage: RedisOutage, durability: ResultDurability?,
        successors: SuccessorRequest? = nil, wantsSuccessors: @escaping @Sendable () -> Bool = { true },
        leased: @escaping @Sendable ([ClaimedTask]) -> Void = { _ in }, logger: Logger, outputDelay: Duration = .milliseconds(5)
    ) {
        self.queue = queue
        self.tasks = tasks
        self.outage = outage
        self.durability = durability
        self.successors = successors
        self.wantsSuccessors = wantsSuccessors
        self.leased = leased
        self.logger = logger
        self.outputDelay = outputDelay
    }

    /// Queues output lines of a running task; they go out within `outputDelay`, with the next
    /// call, or inside the task's completion. Never blocks: lines beyond
    /// ``maxPendingLines`` waiting for one task are dropped and counted. Lines `withResult`
    /// (printed as the attempt ends) are not streamed: they wait for the task's completion,
    /// which is about to come, and start no output timer.
    func output(_ task: ClaimedTask, _ lines: [OutputLine], withResult: Bool = false) {
        guard !lines.isEmpty else { return }
        let start = state.withLock { state -> Bool in
            if withResult {
                state.finalLines[task.ref, default: []] += lines
                return false
            }
            state.output[task.ref, default: PendingOutput(task: task)].add(lines)
            if state.outputSince == nil { state.outputSince = .now }
            guard !state.flushing, !state.timerArmed else { return false }
            state.timerArmed = true
            return true
        }
        if start { armTimer() }
    }

    /// Starts the flusher for waiting output once the output delay ends, unless a result took
    /// the lines first: a task that prints and ends at once (`echo`) sends its lines inside its
    /// completion, from its own task, with no flusher started for it.
    private func armTimer() {
        Task {
            try? await Task.sleep(for: outputDelay)
            let start = state.withLock { state -> Bool in
                state.timerArmed = false
                return !state.output.isEmpty && startFlushing(&state)
            }
            if start { await flush() }
        }
    }

    /// Forgets output still waiting for a task that ends without a result (canceled, lease lost,
    /// handed back).
    func discardOutput(_ ref: TaskRef) {
        state.withLock { state in
            state.output.removeValue(forKey: ref)
            state.finalLines.removeValue(forKey: ref)
        }
    }

    /// Records a task's result together with the output it has not streamed yet. Returns what
    /// `complete` did (and the successor leased for the task's slot, which the caller must run),
    /// or nil when the result was given up because the lease ran out while Redis was unreachable.
    func complete(_ completion: TaskCompletion) async -> Recorded? {
        let recorded = OneShot<Recorded?>()
        let (leads, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            var completion = completion
            let ref = completion.task.ref
            var pending = state.output.removeValue(forKey: ref)
            if let lines = state.finalLines.removeValue(forKey: ref) {
                pending = pending ?? PendingOutput(task: completion.task)
                pending?.add(lines)
            }
            if let pending {
                let appends = pending.appends()
                completion = TaskCompletion(
                    task: completion.task, outcome: completion.outcome, exitCode: completion.exitCode,
                    output: completion.output, error: completion.error, retryDelay: completion.retryDelay,
                    stdout: appends.first { $0.stream == "stdout" }?.lines ?? [],
                    stderr: appends.first { $0.stream == "stderr" }?.lines ?? [])
            }
            state.completions.append(Waiting(completion: completion, recorded: recorded))
            let waiter = state.waiter
            state.waiter = nil
            return (startFlushing(&state), waiter)
        }
        waiter?.resume()
        if leads { await lead() }
        return await recorded.value
    }

    /// Sends what waits from the calling task, then leaves whatever arrived meanwhile (or a
    /// failed send's retries) to the background flusher.
    private func lead() async {
        if case .send(let completions, let output) = nextStep(), await send(completions, output),
            state.withLock({ stopIfIdle(&$0) })
        {
            return
        }
        launchFlusher()
    }

    private func startFlushing(_ state: inout State) -> Bool {
        guard !state.flushing else { return false }
        state.flushing = true
        return true
    }

    /// The flusher runs while anything waits and stops when nothing does; it is not a child of
    /// the worker's task group, so it finishes its work even while the worker is cancelled.
    private func launchFlusher() {
        Task { await flush() }
    }

    private func flush() async {
        var backoff = RedisBackoff()
        while true {
            switch nextStep() {
            case .stop:
                return
            case .wait(let deadline):
                await waitForWork(until: deadline)
            case .send(let completions, let output):
                if await send(completions, output) {
                    backoff.reset()
                } else {
                    let delay = backoff.advance()
                    try? await Task.sleep(for: delay)
                }
            }
        }
    }

    private func nextStep() -> Step {
        state.withLock { state -> Step in
            if let since = state.outputSince, state.completions.isEmpty, ContinuousClock.now < since + outputDelay {
                return .wait(until: since + outputDelay)
            }
            if stopIfIdle(&state) { return .stop }
            let step = Step.send(state.completions, Array(state.output.values))
            state.completions = []
            state.output = [:]
            state.outputSince = nil
            return step
        }
    }

    /// Ends flushing when nothing waits; returns whether it did.
    private func stopIfIdle(_ state: inout State) -> Bool {
        guard state.completions.isEmpty && state.output.isEmpty else { return false }
        state.outputSince = nil
        state.flushing = false
        return true
    }

    /// Suspends until a result is queued or `deadline` passes.
    private func waitForWork(until deadline: ContinuousClock.Instant) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let generation = state.withLock { state -> Int? in
                guard state.completions.isEmpty else { return nil }
                state.waiterGeneration += 1
                state.waiter = continuation
                return state.waiterGeneration
            }
            guard let generation else {
                continuation.resume()
                return
            }
            Task { [self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard state.waiterGeneration == generation else { return nil }
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
        }
    }

    /// Sends one batch. Output is best effort (dropped when it cannot be written); results that
    /// could not be recorded go back to the front of the queue unless their lease is known lost.
    /// Returns false when Redis failed and the flusher should back off.
    private func send(_ completions: [Waiting], _ output: [PendingOutput]) async -> Bool {
        var healthy = true
        let appends = output.flatMap { $0.appends() }
        if !appends.isEmpty {
            do {
                _ = try await queue.appendOutput(appends)
                outage.succeeded()
            } catch {
                outage.failed(error, during: "streaming output of \(output.count) task(s)", running: tasks.count)
                healthy = false
            }
        }
        guard !completions.isEmpty else { return healthy }
        let reserved = successors != nil && wantsSuccessors() ? tasks.reserve(upTo: completions.count) : 0
        var request = reserved > 0 ? successors : nil
        request?.most = reserved
        let sentAt = ContinuousClock.now
        do {
            let reply = try await record(completions.map(\.completion), successors: request)
            outage.succeeded()
            var leased = reply.successors
            if !leased.isEmpty, !wantsSuccessors() {
                await queue.handBack(leased, logger: logger)
                leased = []
            }
            tasks.admitReserved(leased, reserved: reserved, leaseExpiresAt: sentAt + (successors?.lease ?? .zero))
            if !leased.isEmpty { self.leased(leased) }
            queue.expectResults(started: leased.count, running: tasks.count, finishing: completions.count)
            for (index, (waiting, status)) in zip(completions, reply.statuses).enumerated() {
                waiting.recorded.fulfill(Recorded(status: status, successor: index < leased.count ? leased[index] : nil))
            }
            return healthy
        } catch {
            tasks.admitReserved([], reserved: reserved, leaseExpiresAt: sentAt)
            outage.failed(error, during: "recording \(completions.count) result(s)", running: tasks.count)
            var retry: [Waiting] = []
            for waiting in completions {
                if tasks.leaseIsLost(waiting.completion.task.ref) {
                    waiting.recorded.fulfill(nil)
                } else {
                    retry.append(waiting)
                }
            }
            state.withLock { $0.completions.insert(contentsOf: retry, at: 0) }
            return false
        }
    }

    /// Runs `complete`, and with `durability` waits for replicas; a result they did not
    /// acknowledge in time stays recorded (it is on the primary) and is logged, once per spell.
    private func record(_ completions: [TaskCompletion], successors: SuccessorRequest?) async throws(QueueError) -> CompletionReply {
        guard let durability else { return try await queue.complete(completions, successors: successors) }
        let (reply, acknowledged) = try await queue.complete(completions, durability: durability, successors: successors)
        let behind = acknowledged < durability.replicas
        let changed = replicasBehind.withLock { state -> Bool in
            defer { state = behind }
            return state != behind
        }
        if changed && behind {
            logger.warning(Logger.Message(stringLiteral:
                "durable results: \(acknowledged) of \(durability.replicas) replica(s) acknowledged within "
                    + "\(durability.timeout.qrewShortDescription); results are on the primary only until a replica catches up"))
        } else if changed {
            logger.notice("durable results: replicas acknowledge results again")
        }
        return reply
    }
}
