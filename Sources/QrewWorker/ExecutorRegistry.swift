import QrewCore
import Synchronization

/// Finds the executor for a task's kind: the built-ins for `shell`, `http`, `echo`, `sleep`
/// and `fail`, and handlers registered by name for `.custom(type:)` tasks.
///
/// A Swift team embedding the worker registers its own types before starting it:
/// ```swift
/// let registry = ExecutorRegistry()
/// registry.register("resize-image") { context in
///     guard case .custom(_, let params) = context.execution.kind else { return "" }
///     await context.emit("resizing \(params["path"] ?? "?")")
///     return try await resize(params)          // becomes the step's output
/// }
/// let result = await registry.run(execution) { lines in publish(lines) }
/// ```
/// Registration is thread-safe; a later registration for the same name replaces the earlier.
public final class ExecutorRegistry: Sendable {
    private let custom = Mutex<[String: any TaskExecutor]>([:])

    public let shell: ShellExecutor
    public let http: HTTPExecutor

    public init(shell: ShellExecutor = ShellExecutor(), http: HTTPExecutor = HTTPExecutor()) {
        self.shell = shell
        self.http = http
    }

    /// Registers an executor for `.custom(type: name, ...)` tasks.
    public func register(_ name: String, _ executor: some TaskExecutor) {
        custom.withLock { $0[name] = executor }
    }

    /// Registers a handler closure for `.custom(type: name, ...)` tasks; see ``ClosureExecutor``.
    public func register(_ name: String, handler: @escaping ClosureExecutor.Handler) {
        register(name, ClosureExecutor(handler))
    }

    /// The names registered for custom types.
    public var registeredTypes: [String] {
        custom.withLock { Array($0.keys).sorted() }
    }

    /// The executor for `kind`, or nil for an unregistered custom type.
    public func executor(for kind: TaskExecution.Kind) -> (any TaskExecutor)? {
        switch kind {
        case .shell: shell
        case .http: http
        case .echo: EchoExecutor()
        case .sleep: SleepExecutor()
        case .fail: FailExecutor()
        case .custom(let type, _): custom.withLock { $0[type] }
        }
    }

    /// Runs one attempt with the right executor; an unknown type is a `.failed` result.
    /// `onFinalOutput` takes the lines printed as the attempt ends (``ExecutorContext/onFinalOutput``).
    public func run(
        _ execution: TaskExecution, onOutput: @escaping OutputSink = { _ in }, onProgress: @escaping ProgressSink = { _ in },
        onFinalOutput: OutputSink? = nil
    ) async -> TaskExecutionResult {
        guard let executor = executor(for: execution.kind) else {
            let known = registeredTypes
            return .failed(
                "no executor registered for type '\(execution.kind.typeName)'"
                    + (known.isEmpty ? "" : " (registered: \(known.joined(separator: ", ")))"))
        }
        return await executor.execute(ExecutorContext(
            execution: execution, onOutput: onOutput, onProgress: onProgress, onFinalOutput: onFinalOutput))
    }
}
