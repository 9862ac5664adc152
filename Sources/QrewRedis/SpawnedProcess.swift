import Foundation
import Synchronization

/// A child process started with a clean signal state and its output appended to a log file:
/// redis-server for tests, and the coordinator and workers that `qctl dev`, the benchmark and
/// the end-to-end tests launch.
///
/// The child gets an empty signal mask and default handlers: a child started from a non-main
/// thread would otherwise inherit blocked signals and ignore SIGTERM forever (NOTES.md).
/// Whoever owns it must `terminate` it; deinit kills a child still running so none outlives
/// its owner. Started through `qrew-supervise` (`supervisor`), it also dies, with everything it
/// started, when its owner is killed outright (SIGKILL), which deinit cannot cover.
public final class SpawnedProcess: Sendable {
    /// Why a process could not be started.
    public struct SpawnError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let pid: pid_t
    public let executable: String
    /// Where the child's stdout (and, unless `errorPath` is given, stderr) go.
    public let logPath: String
    /// Where the child's stderr goes when it is kept apart from stdout.
    public let errorPath: String?
    /// Whether `qrew-supervise` started it (and reaps it, reporting its status to `record`).
    private let supervised: Bool
    private let record: ExitRecord

    /// The exit status once known; shared with the thread that learns it for a supervised child.
    final class ExitRecord: Sendable {
        let status = Mutex<Int32?>(nil)
    }

    /// Starts `executable` with `arguments` (without argv[0]); stdin is /dev/null.
    /// - Parameters:
    ///   - errorPath: a separate file for stderr; nil appends it to `logPath`.
    ///   - baseEnvironment: the environment to start from (default: this process's).
    ///   - environment: extra variables layered over it.
    ///   - supervisor: a `qrew-supervise` executable to start it through, so that it dies with
    ///     this process however this process dies; nil spawns it directly.
    public init(
        executable: String, arguments: [String], logPath: String, errorPath: String? = nil,
        baseEnvironment: [String: String] = ProcessInfo.processInfo.environment, environment: [String: String] = [:],
        supervisor: String? = nil
    ) throws(SpawnError) {
        var merged = baseEnvironment
        for (key, value) in environment { merged[key] = value }
        let record = ExitRecord()
        if let supervisor {
            pid = try Self.launchSupervised(
                supervisor: supervisor, executable: executable, argv: [executable] + arguments, environment: merged,
                logPath: logPath, errorPath: errorPath, record: record)
        } else {
            pid = try Self.launchDirectly(
                executable: executable, argv: [executable] + arguments, environment: merged, logPath: logPath,
                errorPath: errorPath)
        }
        self.executable = executable
        self.logPath = logPath
        self.errorPath = errorPath
        self.supervised = supervisor != nil
        self.record = record
    }

    private static func launchDirectly(
        executable: String, argv: [String], environment: [String: String], logPath: String, errorPath: String?
    ) throws(SpawnError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own: a terminal's Ctrl-C reaches only the owner, which stops
        // its children in order (workers drain before the coordinator and redis-server stop).
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var cArgv = argv.map { strdup($0) } + [nil]
        defer {
            cArgv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, &cArgv, &envp)
        guard status == 0 else {
            throw SpawnError(description: "cannot launch \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    deinit {
        guard exited == nil else { return }
        if supervised {
            // Its whole process group (it leads one); its spawner reaps it.
            Glibc.kill(-pid, SIGKILL)
        } else {
            Glibc.kill(pid, SIGKILL)
            Self.reap(pid)
        }
    }

    /// The exit status once the child has exited (reaping it), nil while it runs.
    public var exited: Int32? {
        record.status.withLock { known in
            if let known { return known }
            guard !supervised else { return nil }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
            known = status
            return status
        }
    }

    /// Whether the child exited normally with status 0.
    public var exitedCleanly: Bool {
        exited.map(Self.exitCode) == 0
    }

    /// A `waitpid` status as a shell reports it: the exit code, or 128 + the signal number.
    public static func exitCode(_ status: Int32) -> Int32 {
        status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Sends `signal`, waits up to `grace` for the child to exit, then SIGKILLs it.
    /// Runs on its own thread so it never blocks Swift's cooperative pool.
    public func terminate(signal: Int32 = SIGTERM, grace: Duration = .seconds(5)) async {
        await DetachedThread.run(name: "qrew-terminate") {
            guard self.exited == nil else { return }
            Glibc.kill(self.pid, signal)
            let deadline = ContinuousClock.now + grace
            while ContinuousClock.now < deadline {
                if self.exited != nil { return }
                usleep(2_000)
            }
            Glibc.kill(self.pid, SIGKILL)
            while self.exited == nil { usleep(1_000) }
        }
    }

    /// Waits (on its own thread) until the child exits or `timeout` passes; returns the status.
    public func waitForExit(timeout: Duration) async -> Int32? {
        await DetachedThread.run(name: "qrew-wait") {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let status = self.exited { return status }
                usleep(2_000)
            }
            return nil
        }
    }

    /// The last lines of the log, for error messages.
    public func logTail(lines: Int = 15) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// The first executable called `name` on PATH.
    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private static func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }
}
