/// How one attempt of a task ended, in a form the worker can publish as-is.
public struct TaskExecutionResult: Sendable, Equatable {
    /// The final state of the attempt. Only `.failed` and `.timedOut` are candidates for retry;
    /// `.canceled` means someone asked the attempt to stop.
    public enum Outcome: String, Sendable, Equatable {
        case succeeded, failed, timedOut, canceled
    }

    public var outcome: Outcome
    /// The process's exit status, when it exited normally.
    public var exitCode: Int32?
    /// The signal that ended the process, when one did (e.g. 9 after a SIGKILL).
    public var signal: Int32?
    /// The HTTP status code, for `http` tasks that got a response.
    public var httpStatus: Int?
    /// The step's output, for `${{ steps.<id>.output }}`: the contents of `$QREW_OUTPUT` if the
    /// process wrote that file, else the last non-empty stdout line; the body for HTTP; the
    /// message for `echo`.
    public var output: String
    /// A one-line human explanation when the outcome is not `.succeeded`
    /// ("exited with status 3: <stderr tail>", "timed out after 2s", "HTTP 500 ...").
    public var error: String?
    /// Captured stdout, at most `outputCap` bytes.
    public var stdout: String
    /// Captured stderr, at most `outputCap` bytes.
    public var stderr: String
    /// True when stdout, stderr or the output had to be cut at `outputCap`.
    public var truncated: Bool
    /// Wall-clock time from start to the end of cleanup.
    public var duration: Duration

    public init(
        outcome: Outcome,
        exitCode: Int32? = nil,
        signal: Int32? = nil,
        httpStatus: Int? = nil,
        output: String = "",
        error: String? = nil,
        stdout: String = "",
        stderr: String = "",
        truncated: Bool = false,
        duration: Duration = .zero
    ) {
        self.outcome = outcome
        self.exitCode = exitCode
        self.signal = signal
        self.httpStatus = httpStatus
        self.output = output
        self.error = error
        self.stdout = stdout
        self.stderr = stderr
        self.truncated = truncated
        self.duration = duration
    }

    /// A `.failed` result that never got as far as running anything.
    static func failed(_ message: String, after duration: Duration = .zero) -> Self {
        Self(outcome: .failed, error: message, duration: duration)
    }
}
