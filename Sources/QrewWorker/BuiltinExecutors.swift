/// `echo`: succeeds at once with its message as the output and as one stdout line.
public struct EchoExecutor: TaskExecutor {
    public init() {}

    public func execute(_ context: ExecutorContext) async -> TaskExecutionResult {
        let start = ContinuousClock.now
        guard case .echo(let message) = context.execution.kind else {
            return .failed("echo executor cannot run a '\(context.execution.kind.typeName)' task")
        }
        await context.onFinalOutput([OutputLine(.stdout, message)])
        return TaskExecutionResult(
            outcome: .succeeded, output: message, stdout: message + "\n",
            duration: ContinuousClock.now - start)
    }
}

/// `sleep`: waits, honouring the timeout (`.timedOut`) and cancellation (`.canceled`).
public struct SleepExecutor: TaskExecutor {
    public init() {}

    public func execute(_ context: ExecutorContext) async -> TaskExecutionResult {
        let start = ContinuousClock.now
        guard case .sleep(let duration) = context.execution.kind else {
            return .failed("sleep executor cannot run a '\(context.execution.kind.typeName)' task")
        }
        let timeout = context.execution.timeout
        let result = await runInterruptible(timeout: timeout) { try await Task.sleep(for: duration) }
        let elapsed = ContinuousClock.now - start
        if let (outcome, message) = interruptionOutcome(result, timeout: timeout) {
            return TaskExecutionResult(outcome: outcome, error: message, duration: elapsed)
        }
        return TaskExecutionResult(outcome: .succeeded, duration: elapsed)
    }
}

/// `fail`: fails at once with its message.
public struct FailExecutor: TaskExecutor {
    public init() {}

    public func execute(_ context: ExecutorContext) async -> TaskExecutionResult {
        guard case .fail(let message) = context.execution.kind else {
            return .failed("fail executor cannot run a '\(context.execution.kind.typeName)' task")
        }
        await context.onFinalOutput([OutputLine(.stderr, message)])
        return TaskExecutionResult(outcome: .failed, error: message, stderr: message + "\n")
    }
}

/// Adapts a handler closure (what most Swift teams will register) to ``TaskExecutor``:
/// the returned string is the output, a thrown error fails the attempt with its description,
/// and the execution's timeout is applied by cancelling the handler.
public struct ClosureExecutor: TaskExecutor {
    public typealias Handler = @Sendable (ExecutorContext) async throws -> String

    let handler: Handler

    public init(_ handler: @escaping Handler) {
        self.handler = handler
    }

    public func execute(_ context: ExecutorContext) async -> TaskExecutionResult {
        let start = ContinuousClock.now
        let timeout = context.execution.timeout
        let result = await runInterruptible(timeout: timeout) { try await handler(context) }
        let elapsed = ContinuousClock.now - start
        if let (outcome, message) = interruptionOutcome(result, timeout: timeout) {
            return TaskExecutionResult(outcome: outcome, error: message, duration: elapsed)
        }
        switch result! {
        case .success(let output):
            return TaskExecutionResult(outcome: .succeeded, output: output, duration: elapsed)
        case .failure(let error):
            return TaskExecutionResult(outcome: .failed, error: "\(error)", duration: elapsed)
        }
    }
}
