#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import QrewProcess
import QrewQueue

/// A task's process, started under `qrew-supervise` in its own process group, with stdout and
/// stderr on pipes.
///
/// Why our own spawning rather than Foundation `Process` or swift-subprocess:
/// - The signal mask and dispositions are reset before exec (empty mask, default handlers for
///   every catchable signal, SIGPIPE included), so a child started from any thread reacts to
///   SIGTERM. `Process` needs `pthread_sigmask` juggling around `run()`, on a cooperative
///   thread, and leaves inherited ignored signals (SIGPIPE) ignored.
/// - Pipes are created `O_CLOEXEC`, so a child spawned concurrently for another task never
///   inherits this task's pipe ends (which would keep our reader from seeing EOF).
/// - Teardown is ours, group-wide: swift-subprocess 1.0's teardown stops as soon as the group
///   leader exits, which leaves a TERM-ignoring grandchild alive; we wait for the whole group.
/// - No dependency to build in CI; a few hundred lines of code, all of it tested.
///
/// Why through `qrew-supervise` (``SupervisedLaunch``): a worker killed with SIGKILL (the OOM
/// killer) cannot stop its tasks, and they would keep their side effects going while the task
/// runs again elsewhere. The worker's spawner process notices its death through a socket the
/// kernel closes and SIGKILLs every task's process group and everything else they started. A
/// task costs about as much as a direct `posix_spawn` (docs/worker.md).
///
/// The command is leader of a new process group (pgid == ``pid``, `$$` in a shell task), so
/// `kill(-pid, sig)` reaches its grandchildren; it stays in the worker's session (no `setsid`).
struct ChildProcess: Sendable {
    /// The command's pid, also its process group id.
    let pid: pid_t
    /// Read ends, owned by the caller (closed by ``OutputPump``).
    let stdoutFD: Int32
    let stderrFD: Int32
    /// The command's raw `waitpid` status, reported by the spawner as soon as it reaps it.
    let exitStatus: OneShot<Int32>

    var processGroup: pid_t { pid }

    enum SpawnError: Error, Equatable, CustomStringConvertible {
        case emptyCommand
        case noSuchExecutable(String, searchPath: String)
        case notExecutable(String)
        case noSuchDirectory(String)
        case supervisor(String)
        case system(String, errno: Int32)

        var description: String {
            switch self {
            case .emptyCommand:
                "empty command: argv has no executable"
            case .noSuchExecutable(let name, let searchPath):
                name.contains("/")
                    ? "no such executable '\(name)'"
                    : "no such executable '\(name)' (looked in PATH=\(searchPath))"
            case .notExecutable(let path):
                "'\(path)' is not an executable file"
            case .noSuchDirectory(let dir):
                "working directory '\(dir)' does not exist"
            case .supervisor(let problem):
                problem
            case .system(let call, let code):
                "\(call) failed: \(String(cString: strerror(code)))"
            }
        }

        init(_ failure: SupervisedLaunch.Failure, path: String, cwd: String?) {
            switch failure {
            case .exec(let code) where code == ENOENT: self = .noSuchExecutable(path, searchPath: "")
            case .exec(let code) where code == EACCES || code == ENOEXEC: self = .notExecutable(path)
            case .exec(let code): self = .system("execve", errno: code)
            case .chdir(let code) where code == ENOENT || code == ENOTDIR: self = .noSuchDirectory(cwd ?? "")
            case .chdir(let code): self = .system("chdir", errno: code)
            case .supervisor(let problem): self = .supervisor(problem)
            case .system(let call, let code): self = .system(call, errno: code)
            }
        }
    }

    /// Finds `name` the way `execvp` would: a name containing `/` is taken as a path (relative
    /// to `cwd`), anything else is looked up in `searchPath`.
    static func resolveExecutable(_ name: String, searchPath: String, cwd: String?) throws(SpawnError) -> String {
        guard !name.isEmpty else { throw .emptyCommand }
        if name.contains("/") {
            let path = name.hasPrefix("/") || cwd == nil ? name : "\(cwd!)/\(name)"
            if access(path, F_OK) != 0 { throw .noSuchExecutable(name, searchPath: searchPath) }
            if access(path, X_OK) != 0 || isDirectory(path) { throw .notExecutable(name) }
            return path
        }
        for dir in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let base = dir.isEmpty ? "." : String(dir)
            let candidate = "\(base)/\(name)"
            if access(candidate, X_OK) == 0, !isDirectory(candidate) { return candidate }
        }
        throw .noSuchExecutable(name, searchPath: searchPath)
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    /// Starts `argv` (argv[0] already resolved to `path`) with exactly `environment`, under
    /// `supervisor` (nil: ``Supervisor/located()``). Waiting for it to start and, later, to end
    /// happens on a thread of the child's own, so no cooperative thread blocks.
    static func spawn(
        path: String, argv: [String], environment: [String: String], cwd: String?, supervisor: String? = nil
    ) async throws(SpawnError) -> ChildProcess {
        if let cwd, !isDirectory(cwd) { throw .noSuchDirectory(cwd) }
        let supervisorPath: String
        if let supervisor {
            supervisorPath = supervisor
        } else {
            do {
                supervisorPath = try Supervisor.located()
            } catch {
                throw .supervisor(error.description)
            }
        }
        guard let stdoutPipe = Descriptors.makePipe() else { throw .system("pipe", errno: errno) }
        guard let stderrPipe = Descriptors.makePipe() else {
            let code = errno
            close(stdoutPipe.read); close(stdoutPipe.write)
            throw .system("pipe", errno: code)
        }
        // The request goes out here (it does not wait); the wait for the spawner to start the
        // command, then for its end, happens on a thread of the task's own.
        let pending: SupervisedLaunch.Pending
        do throws(SupervisedLaunch.Failure) {
            pending = try SupervisedLaunch.request(
                supervisor: supervisorPath, path: path, argv: argv, environment: environment, cwd: cwd,
                stdout: stdoutPipe.write, stderr: stderrPipe.write)
        } catch {
            for fd in [stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write] { close(fd) }
            throw SpawnError(error, path: path, cwd: cwd)
        }
        close(stdoutPipe.write)
        close(stderrPipe.write)
        let exitStatus = OneShot<Int32>()
        let started = await withCheckedContinuation { (continuation: CheckedContinuation<Result<ChildProcess, SpawnError>, Never>) in
            let thread = Thread {
                let launch: SupervisedLaunch
                do throws(SupervisedLaunch.Failure) {
                    launch = try pending.wait()
                } catch {
                    close(stdoutPipe.read)
                    close(stderrPipe.read)
                    continuation.resume(returning: .failure(SpawnError(error, path: path, cwd: cwd)))
                    return
                }
                continuation.resume(returning: .success(ChildProcess(
                    pid: launch.pid, stdoutFD: stdoutPipe.read, stderrFD: stderrPipe.read, exitStatus: exitStatus)))
                // Without a report the spawner was killed, and the command with it (its
                // parent-death signal is SIGKILL).
                exitStatus.fulfill(launch.waitForExit() ?? SIGKILL)
                close(launch.reportFD)
            }
            thread.name = "qrew-task-\(argv.first ?? "")"
            thread.stackSize = 64 << 10
            thread.start()
        }
        return try started.get()
    }
}

/// A decoded `waitpid` status.
enum Termination: Equatable {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus status: Int32) {
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(status & 0x7f)
        }
    }
}
