import Foundation
import Synchronization

/// What a finished `qctl` process left: its exit status and everything it wrote.
struct QctlResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// The built `qctl` (and its sibling executables) run as a child process, the way users run it.
///
/// Output goes to files (read when needed, so nothing blocks on a full pipe); the child starts
/// with an empty signal mask so SIGINT and SIGTERM reach it whichever thread spawned it.
final class QctlProcess: Sendable {
    let pid: pid_t
    private let stdoutPath: String
    private let stderrPath: String
    private let status = Mutex<Int32?>(nil)

    /// The build products directory: where the test runner, `qctl` and `qrew-coordinator` live.
    static var productsDirectory: String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let length = readlink("/proc/self/exe", &buffer, 4096)
        let runner = length > 0
            ? String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : CommandLine.arguments[0]
        return (runner as NSString).deletingLastPathComponent
    }

    /// Starts `executable` (default: the built qctl) with `arguments`. The environment is the
    /// test's minus `QREW_*`, plus `environment`.
    init(_ arguments: [String], environment: [String: String] = [:], executable: String? = nil) throws {
        let path = executable ?? Self.productsDirectory + "/qctl"
        let directory = try temporaryDirectory()
        stdoutPath = directory + "/stdout"
        stderrPath = directory + "/stderr"
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var variables = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QREW_") }
        variables.merge(environment) { $1 }
        var envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, &attributes, &argv, &envp)
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EIO) }
        pid = child
    }

    deinit {
        if status.withLock({ $0 }) == nil {
            kill(pid, SIGKILL)
            var value: Int32 = 0
            waitpid(pid, &value, 0)
        }
    }

    var stdoutSoFar: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderrSoFar: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the exit (killing the child after `timeout`, which then reports status -1).
    func wait(timeout: Duration = .seconds(30)) async -> QctlResult {
        let pid = self.pid
        let code: Int32 = await withCheckedContinuation { continuation in
            Thread {
                let deadline = ContinuousClock.now + timeout
                var value: Int32 = 0
                while ContinuousClock.now < deadline {
                    if waitpid(pid, &value, WNOHANG) == pid {
                        continuation.resume(returning: value & 0x7f == 0 ? (value >> 8) & 0xff : 128 + (value & 0x7f))
                        return
                    }
                    usleep(5_000)
                }
                kill(pid, SIGKILL)
                waitpid(pid, &value, 0)
                continuation.resume(returning: -1)
            }.start()
        }
        status.withLock { $0 = code }
        return QctlResult(status: code, stdout: stdoutSoFar, stderr: stderrSoFar)
    }

    /// Waits until stdout contains `text` (or the timeout passes); true if it appeared.
    func waitForOutput(_ text: String, timeout: Duration = .seconds(15)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if stdoutSoFar.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}

/// Runs the built qctl to completion.
func qctl(_ arguments: String..., environment: [String: String] = [:], timeout: Duration = .seconds(30)) async throws -> QctlResult {
    try await QctlProcess(arguments, environment: environment).wait(timeout: timeout)
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> String {
    let directory = FileManager.default.temporaryDirectory.path + "/qctl-test-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    return directory
}

/// Writes `text` to a fresh temporary file named `name`; returns its path.
func temporaryFile(_ name: String, _ text: String) throws -> String {
    let path = try temporaryDirectory() + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
