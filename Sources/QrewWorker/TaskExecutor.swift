import QrewCore

/// Everything an executor gets for one attempt.
public struct ExecutorContext: Sendable {
    /// The attempt to run, including its timeout and limits.
    public let execution: TaskExecution
    /// Where live output goes; see ``OutputSink``.
    public let onOutput: OutputSink
    /// Where lines printed as the attempt ends go (`echo`, `fail`, an HTTP body): they travel
    /// inside the attempt's result instead of being streamed ahead of it, which saves a flush
    /// timer and often a round trip. Lines of a task that keeps running belong in `onOutput`.
    /// `onOutput` unless the runner gives one.
    public let onFinalOutput: OutputSink
    /// Where progress goes (`task_progress` events); each report also resets the attempt's
    /// `heartbeatTimeout` clock. Shell tasks report by writing lines to `$QREW_PROGRESS`.
    public let onProgress: ProgressSink

    public init(
        execution: TaskExecution, onOutput: @escaping OutputSink = { _ in }, onProgress: @escaping ProgressSink = { _ in },
        onFinalOutput: OutputSink? = nil
    ) {
        self.execution = execution
        self.onOutput = onOutput
        self.onFinalOutput = onFinalOutput ?? onOutput
        self.onProgress = onProgress
    }

    /// Reports progress (for handlers that do long work themselves): a percentage (clamped to
    /// 0...100) and/or a message, as a shell task's `42% message` line would.
    public func reportProgress(percent: Int? = nil, message: String? = nil) async {
        guard percent != nil || message != nil else { return }
        await onProgress([ProgressUpdate(percent: percent.map { min(100, max(0, $0)) }, message: message)])
    }

    /// Streams lines to the sink (for handlers that produce output themselves).
    public func emit(_ lines: String..., stream: OutputLine.Stream = .stdout) async {
        await onOutput(lines.map { OutputLine(stream, $0) })
    }
}

/// Receives a batch of progress reports of a running attempt, in order.
public typealias ProgressSink = @Sendable ([ProgressUpdate]) async -> Void

/// Runs one kind of task.
///
/// An executor never throws: every way an attempt can end, including a missing executable,
/// a timeout and cancellation of the calling Swift task, is a ``TaskExecutionResult``, so the
/// worker always has something to publish. Executors must return promptly (within the
/// execution's kill grace plus about a second) once the calling task is cancelled.
public protocol TaskExecutor: Sendable {
    func execute(_ context: ExecutorContext) async -> TaskExecutionResult
}

/// A timeout or a cancellation that stopped an attempt before it finished.
enum Interruption: Sendable {
    case timedOut, canceled
}

enum InterruptibleEvent<T: Sendable>: Sendable {
    case done(Result<T, any Error>), timedOut, watchdogCanceled
}

/// Runs `body` until it finishes, `timeout` passes, or the calling task is cancelled.
/// On timeout `body` is cancelled and awaited, so it must honour cancellation.
func runInterruptible<T: Sendable>(
    timeout: Duration?,
    _ body: @escaping @Sendable () async throws -> T
) async -> Result<T, any Error>? {
    typealias Event = InterruptibleEvent<T>
    let event: Event = await withTaskGroup(of: Event.self) { group in
        group.addTask {
            do { return .done(.success(try await body())) } catch { return .done(.failure(error)) }
        }
        if let timeout {
            group.addTask {
                do { try await Task.sleep(for: timeout); return .timedOut } catch { return .watchdogCanceled }
            }
        }
        var first: Event = .watchdogCanceled
        while let next = await group.next() {
            if case .watchdogCanceled = next { continue }
            first = next
            break
        }
        group.cancelAll()
        return first
    }
    switch event {
    case .done(let result):
        if Task.isCancelled { return nil }
        return result
    case .timedOut:
        return nil
    case .watchdogCanceled:
        return nil
    }
}

/// Maps what `runInterruptible` returned onto a result for executors whose work is a closure.
func interruptionOutcome<T>(_ result: Result<T, any Error>?, timeout: Duration?) -> (TaskExecutionResult.Outcome, String)? {
    if result != nil, !Task.isCancelled { return nil }
    if Task.isCancelled { return (.canceled, "canceled") }
    return (.timedOut, "timed out after \((timeout ?? .zero).qrewShortDescription)")
}
