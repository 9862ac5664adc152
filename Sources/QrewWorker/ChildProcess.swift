#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A child process started in its own process group, with stdout and stderr on pipes.
///
/// Why `posix_spawn` directly rather than Foundation `Process` or swift-subprocess:
/// - The signal mask and dispositions are set in the spawn attributes (empty mask, default
///   handlers for every catchable signal, SIGPIPE included), so a child started from any thread
///   reacts to SIGTERM. `Process` needs `pthread_sigmask` juggling around `run()`, on a
///   cooperative thread, and leaves inherited ignored signals (SIGPIPE) ignored.
/// - Pipes are created `O_CLOEXEC`, so a child spawned concurrently for another task never
///   inherits this task's pipe ends (which would keep our reader from seeing EOF).
/// - Teardown is ours, group-wide: swift-subprocess 1.0's teardown stops as soon as the group
///   leader exits, which leaves a TERM-ignoring grandchild alive; we wait for the whole group.
/// - No dependency to build in CI; about 150 lines of code, all of it tested.
/// The child is made leader of a new process group (`POSIX_SPAWN_SETPGROUP`, pgid == pid), so
/// `kill(-pid, sig)` reaches its grandchildren; it stays in our session (no `setsid`).
struct ChildProcess: Sendable {
    let pid: pid_t
    /// Read ends, owned by the caller (closed by ``OutputPump``).
    let stdoutFD: Int32
    let stderrFD: Int32
    /// The raw `waitpid` status, delivered by a dedicated thread once the child is reaped.
    let exitStatus: OneShot<Int32>

    var processGroup: pid_t { pid }

    enum SpawnError: Error, Equatable, CustomStringConvertible {
        case emptyCommand
        case noSuchExecutable(String, searchPath: String)
        case notExecutable(String)
        case noSuchDirectory(String)
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
            case .system(let call, let code):
                "\(call) failed: \(String(cString: strerror(code)))"
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

    /// Starts `argv` (argv[0] already resolved to `path`) with exactly `environment`.
    /// Non-blocking apart from the spawn itself; a thread is started to reap the child.
    static func spawn(path: String, argv: [String], environment: [String: String], cwd: String?) throws(SpawnError) -> ChildProcess {
        if let cwd, !isDirectory(cwd) { throw .noSuchDirectory(cwd) }

        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard makePipe(&stdoutPipe) else { throw .system("pipe", errno: errno) }
        guard makePipe(&stderrPipe) else {
            let code = errno
            close(stdoutPipe[0]); close(stdoutPipe[1])
            throw .system("pipe", errno: code)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        if let cwd, !addChdir(&actions, cwd) {
            close(stdoutPipe[0]); close(stdoutPipe[1]); close(stderrPipe[0]); close(stderrPipe[1])
            throw .system("posix_spawn_file_actions_addchdir_np (cwd '\(cwd)' needs glibc 2.29 or later)", errno: ENOSYS)
        }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attr, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in 1..<32 where sig != SIGKILL && sig != SIGSTOP { sigaddset(&defaults, Int32(sig)) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(
            &attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in cArgv { free(p) }
            for p in cEnv { free(p) }
        }

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attr, cArgv, cEnv)
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard rc == 0 else {
            close(stdoutPipe[0]); close(stderrPipe[0])
            if rc == ENOENT { throw .noSuchExecutable(path, searchPath: "") }
            if rc == EACCES || rc == ENOEXEC { throw .notExecutable(path) }
            throw .system("posix_spawn", errno: rc)
        }

        let exitStatus = OneShot<Int32>()
        let childPID = pid
        let reaper = Thread {
            var status: Int32 = 0
            while waitpid(childPID, &status, 0) == -1 {
                if errno != EINTR { status = -1; break }
            }
            exitStatus.fulfill(status)
        }
        reaper.name = "qrew-reap-\(childPID)"
        reaper.stackSize = 64 << 10
        reaper.start()
        return ChildProcess(pid: pid, stdoutFD: stdoutPipe[0], stderrFD: stderrPipe[0], exitStatus: exitStatus)
    }

    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        #if canImport(Glibc)
        if let pipe2 = GNU.pipe2 { return pipe2(&fds, O_CLOEXEC) == 0 }
        #endif
        // Without pipe2 a child forked between pipe() and fcntl() may inherit these ends; only
        // a libc older than glibc 2.9 lacks it.
        guard pipe(&fds) == 0 else { return false }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return true
    }
}

/// Makes the child start in `dir`; false when this libc cannot (glibc before 2.29).
private func addChdir(_ actions: inout posix_spawn_file_actions_t, _ dir: String) -> Bool {
    #if canImport(Glibc)
    guard let addchdir = GNU.addchdir else { return false }
    return addchdir(&actions, dir) == 0
    #else
    return posix_spawn_file_actions_addchdir_np(&actions, dir) == 0
    #endif
}

#if canImport(Glibc)
/// glibc functions that Swift's Glibc module does not import (they are declared only under
/// `_GNU_SOURCE`), looked up once at run time rather than adding a C shim target. Both exist
/// in every glibc since 2.29 (Debian bookworm has 2.36); callers fall back when one is missing.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2")
    static let addchdir: AddChdir? = symbol("posix_spawn_file_actions_addchdir_np")

    private static func symbol<F>(_ name: String) -> F? {
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, name) else { return nil }
        return unsafeBitCast(sym, to: F.self)
    }
}
#endif

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
