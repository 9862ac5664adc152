#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import QrewProcess
import QrewCore
import QrewQueue

/// Runs `shell` tasks as child processes.
///
/// - argv is executed directly, without a shell, unless `useShell` is set; the executable is
///   looked up in the child's `PATH` first so a typo is a clear `.failed` result.
/// - Environment: the worker's own, then the step's `env`, then the execution's extra
///   environment, then `QREW_OUTPUT` (a fresh temp file path the task may write its output to).
/// - stdout/stderr stream line by line to the sink and are kept up to the output cap.
/// - The child leads its own process group. On timeout or cancellation of the calling task the
///   whole group gets SIGTERM, then SIGKILL after the kill grace. When the child exits by
///   itself, processes it left running in its group are stopped the same way: a task does not
///   outlive its attempt.
/// - Tasks are started by `qrew-supervise` (``ChildProcess``), so they and everything they
///   started also die when the worker is killed outright (SIGKILL, the OOM killer).
/// - Nothing here blocks a cooperative thread: the reads and the `waitpid` run on dedicated
///   threads (two per running task) and resume async code through continuations.
public struct ShellExecutor: TaskExecutor {
    /// The environment children inherit; defaults to the worker's. Secrets
    /// (`QREW_SECRET_*`) are never passed on: a task gets only those its `env` names.
    public var baseEnvironment: [String: String] {
        didSet { baseEnvironment = SecretSource.withoutSecrets(baseEnvironment) }
    }
    /// How long a pipe may stay open once the task's process group is gone (a process that
    /// left the group can hold it) before reading stops.
    public var pipeDrainLimit: Duration = .seconds(1)
    /// How often the task's `QREW_PROGRESS` file is read for new lines.
    public var progressPollInterval: Duration = .milliseconds(200)
    /// The `qrew-supervise` executable; nil finds it (`QREW_SUPERVISE`, else next to this
    /// executable). Without one, every shell task fails, saying how to install it.
    public var supervisor: String?

    public init(baseEnvironment: [String: String] = ProcessInfo.processInfo.environment, supervisor: String? = nil) {
        self.baseEnvironment = SecretSource.withoutSecrets(baseEnvironment)
        self.supervisor = supervisor
    }

    /// The `qrew-supervise` tasks will be started through, or an error saying how to install
    /// it, so that a worker can refuse to start without it rather than fail every shell task.
    public func locateSupervisor() throws -> String {
        guard let supervisor else { return try Supervisor.located() }
        guard FileManager.default.isExecutableFile(atPath: supervisor) else {
            throw ChildProcess.SpawnError.supervisor("\(supervisor) (the executor's supervisor) is not an executable file")
        }
        return supervisor
    }

    public func execute(_ context: ExecutorContext) async -> TaskExecutionResult {
        let start = ContinuousClock.now
        let execution = context.execution
        guard case .shell(let argv, let useShell, let stepEnv, let cwd) = execution.kind else {
            return .failed("shell executor cannot run a '\(execution.kind.typeName)' task")
        }
        guard !argv.isEmpty else { return .failed("empty command: `run` has no arguments") }

        let outputFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("qrew-output-\(UUID().uuidString)").path
        let progressFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("qrew-progress-\(UUID().uuidString)").path
        defer {
            unlink(outputFile)
            unlink(progressFile)
        }
        var environment = baseEnvironment
        environment.merge(stepEnv) { $1 }
        environment.merge(execution.extraEnvironment) { $1 }
        environment["QREW_OUTPUT"] = outputFile
        environment["QREW_PROGRESS"] = progressFile

        // With a shell, argv[0] is the script and the rest are its positional parameters ($0,
        // $1, ...), passed as separate arguments so the shell never parses them again.
        let command = useShell ? ["/bin/sh", "-c"] + argv : argv
        let child: ChildProcess
        do {
            let searchPath = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            let path = try ChildProcess.resolveExecutable(command[0], searchPath: searchPath, cwd: cwd)
            child = try await ChildProcess.spawn(
                path: path, argv: command, environment: environment, cwd: cwd, supervisor: supervisor)
        } catch {
            return .failed(error.description, after: ContinuousClock.now - start)
        }

        let batcher = OutputBatcher()
        let sink = context.onOutput
        // Unstructured so that output printed before a cancellation is still delivered.
        let delivery = Task { await batcher.run(sink) }
        let pump = OutputPump.start(
            stdoutFD: child.stdoutFD, stderrFD: child.stderrFD, cap: execution.outputCap, batcher: batcher)
        let progress = Task { await Self.followProgress(progressFile, every: progressPollInterval, sink: context.onProgress) }

        let interruption = await waitForExit(
            child, timeout: execution.timeout, grace: execution.killGrace,
            cancelGrace: execution.cancelGrace ?? execution.killGrace)
        let status = await child.exitStatus.value
        if interruption == nil, ProcessGroup.hasLiveMembers(child.processGroup) {
            let grace = execution.killGrace
            await withoutCancellation { await ProcessGroup.terminate(child.processGroup, grace: grace) }
        }
        pump.abandon(after: pipeDrainLimit)
        let captured = await pump.done.value
        batcher.finish()
        await delivery.value
        progress.cancel()
        await progress.value

        return Self.result(
            status: Termination(waitStatus: status), interruption: interruption, captured: captured,
            outputFile: outputFile, execution: execution, duration: ContinuousClock.now - start)
    }

    /// Hands the lines the task appends to its `QREW_PROGRESS` file to `sink`, read every
    /// `interval` until cancelled, then once more (with an unfinished last line).
    private static func followProgress(_ path: String, every interval: Duration, sink: ProgressSink) async {
        var tail = ProgressFileTail(path: path)
        while true {
            do { try await Task.sleep(for: interval) } catch { break }
            let updates = tail.read()
            if !updates.isEmpty { await sink(updates) }
        }
        let updates = tail.read(final: true)
        if !updates.isEmpty { await sink(updates) }
    }

    /// Waits for the child to exit, or for the timeout or a cancellation, in which case the
    /// group is torn down (TERM, grace, KILL) before returning.
    private func waitForExit(
        _ child: ChildProcess, timeout: Duration?, grace: Duration, cancelGrace: Duration
    ) async -> Interruption? {
        enum Event: Sendable { case exited, timedOut, canceled }
        return await withTaskGroup(of: Event.self) { group in
            group.addTask {
                _ = await child.exitStatus.value
                return .exited
            }
            group.addTask {
                // Also the cancellation watchdog, hence a very long sleep without a timeout.
                do {
                    try await Task.sleep(for: timeout ?? .seconds(100 * 365 * 86_400))
                    return .timedOut
                } catch {
                    return .canceled
                }
            }
            let first = await group.next()!
            group.cancelAll()
            if first != .exited {
                let wait = first == .canceled ? cancelGrace : grace
                await withoutCancellation { await ProcessGroup.terminate(child.processGroup, grace: wait) }
            }
            // The exit waiter finishes once the group leader is reaped.
            await group.waitForAll()
            switch first {
            case .exited: return nil
            case .timedOut: return .timedOut
            case .canceled: return .canceled
            }
        }
    }

    static func result(
        status: Termination, interruption: Interruption?, captured: CapturedOutput,
        outputFile: String, execution: TaskExecution, duration: Duration
    ) -> TaskExecutionResult {
        var truncated = captured.truncated
        var output = captured.lastStdoutLine ?? ""
        if let fileOutput = readOutputFile(outputFile, cap: execution.outputCap) {
            output = fileOutput.text
            truncated = truncated || fileOutput.truncated
        }

        var result = TaskExecutionResult(
            outcome: .succeeded, output: output,
            stdout: String(decoding: captured.stdout, as: UTF8.self),
            stderr: String(decoding: captured.stderr, as: UTF8.self),
            truncated: truncated, duration: duration)
        switch status {
        case .exited(let code): result.exitCode = code
        case .signaled(let signal): result.signal = signal
        }

        let stderrTail = captured.stderrTail.filter { !$0.isEmpty }.suffix(3).joined(separator: " | ")
        let detail = stderrTail.isEmpty ? "" : ": \(stderrTail)"
        switch (interruption, status) {
        case (.timedOut?, _):
            result.outcome = .timedOut
            result.error = "timed out after \((execution.timeout ?? .zero).qrewShortDescription)"
                + (status == .signaled(SIGKILL) ? " (killed after \(execution.killGrace.qrewShortDescription) grace)" : "")
        case (.canceled?, _):
            result.outcome = .canceled
            result.error = "canceled"
        case (nil, .exited(0)):
            break
        case (nil, .exited(let code)):
            result.outcome = .failed
            result.error = "exited with status \(code)\(detail)"
        case (nil, .signaled(let signal)):
            result.outcome = .failed
            result.error = "killed by signal \(signal)\(signalName(signal).map { " (\($0))" } ?? "")\(detail)"
        }
        return result
    }

    /// Reads `$QREW_OUTPUT` if the task created it; trailing newlines are dropped.
    private static func readOutputFile(_ path: String, cap: Int) -> (text: String, truncated: Bool)? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: cap + 1)) ?? Data()
        let truncated = data.count > cap
        var text = String(decoding: data.prefix(cap), as: UTF8.self)
        while text.last?.isNewline == true { text.removeLast() }
        return (text, truncated)
    }

    private static func signalName(_ signal: Int32) -> String? {
        switch signal {
        case SIGKILL: "SIGKILL"
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGPIPE: "SIGPIPE"
        case SIGHUP: "SIGHUP"
        case SIGBUS: "SIGBUS"
        default: nil
        }
    }
}
