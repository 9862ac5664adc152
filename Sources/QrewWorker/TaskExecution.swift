/// What a worker asks an executor to run: one attempt of one task.
///
/// This is the executor's own input type, deliberately independent of QrewCore's task
/// envelope, so executors can be built and tested without Redis or the workflow model.
/// The worker maps a claimed task onto it.
public struct TaskExecution: Sendable, Equatable {
    /// The kind of work, mirroring the workflow file's `type:`.
    public enum Kind: Sendable, Equatable {
        /// A process. `argv` is executed directly (no shell) unless `useShell` is true, in
        /// which case `/bin/sh -c argv[0] argv[1]...` runs: `argv[0]` is the script and the
        /// rest are its positional parameters (`$0`, `$1`, ...). `env` is layered over the
        /// worker's environment; `cwd` defaults to the worker's working directory.
        case shell(argv: [String], useShell: Bool = false, env: [String: String] = [:], cwd: String? = nil)
        /// An HTTP request. Non-2xx responses fail the task.
        case http(method: String = "GET", url: String, headers: [String: String] = [:], body: String? = nil)
        /// Succeeds with `message` as its output (and as one stdout line).
        case echo(message: String)
        /// Waits, cancellably; useful for tests and for pacing a workflow.
        case sleep(Duration)
        /// Fails with `message`; useful to exercise retries and `continueOnError`.
        case fail(message: String)
        /// A handler registered by name in an ``ExecutorRegistry`` (`type: resize-image`).
        /// The step's parameters are passed as strings; the handler interprets them.
        case custom(type: String, parameters: [String: String] = [:])

        /// The workflow `type:` name of this kind.
        public var typeName: String {
            switch self {
            case .shell: "shell"
            case .http: "http"
            case .echo: "echo"
            case .sleep: "sleep"
            case .fail: "fail"
            case .custom(let type, _): type
            }
        }
    }

    /// What to run.
    public var kind: Kind
    /// Wall-clock limit for the attempt; `nil` means none. When it passes, a process group is
    /// sent SIGTERM, then SIGKILL after ``killGrace``, and the result is `.timedOut`.
    public var timeout: Duration?
    /// How long a process group gets between SIGTERM and SIGKILL (on timeout, and on
    /// cancellation unless ``cancelGrace`` is set).
    public var killGrace: Duration
    /// The grace used instead of ``killGrace`` when the attempt is cancelled: a worker stopping a
    /// canceled run or a lost lease must have the process gone within a second, while a timeout
    /// may give the task longer to clean up. nil uses ``killGrace``.
    public var cancelGrace: Duration?
    /// Maximum bytes of stdout and of stderr (each) kept in the result, and of the output
    /// file or HTTP body. Streaming to the output sink is not limited by it.
    public var outputCap: Int
    /// Extra environment set last, over the step's own; the worker passes `QREW_RUN_ID`,
    /// `QREW_TASK_ID` and `QREW_ATTEMPT` here.
    public var extraEnvironment: [String: String]
    /// Longest silence between progress reports before the worker kills the attempt and
    /// records it `lost` (the step's `heartbeatTimeout`); nil for none. The clock starts when
    /// the attempt starts.
    public var heartbeatTimeout: Duration? = nil
    /// For `http`: refuse hosts that resolve to a non-public address, connect (plain http) to
    /// the very address that was checked, and follow no redirects (`--http-deny-private`).
    public var denyPrivateAddresses = false

    public init(
        _ kind: Kind,
        timeout: Duration? = nil,
        killGrace: Duration = .seconds(5),
        cancelGrace: Duration? = nil,
        outputCap: Int = 1 << 20,
        extraEnvironment: [String: String] = [:]
    ) {
        self.kind = kind
        self.timeout = timeout
        self.killGrace = killGrace
        self.cancelGrace = cancelGrace
        self.outputCap = max(0, outputCap)
        self.extraEnvironment = extraEnvironment
    }
}
