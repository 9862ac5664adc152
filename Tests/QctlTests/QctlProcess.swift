import Foundation
import QrewLocalCluster
import QrewRedis

/// What a finished `qctl` process left: its exit status and everything it wrote.
struct QctlResult: Sendable {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// The built `qctl` (and its sibling executables) run as a child process, the way users run it.
///
/// Output goes to files (read when needed, so nothing blocks on a full pipe); `SpawnedProcess`
/// starts the child with a clean signal state so SIGINT and SIGTERM reach it.
final class QctlProcess: Sendable {
    private let process: SpawnedProcess
    private let stdoutPath: String
    private let stderrPath: String

    var pid: pid_t { process.pid }

    /// The build products directory: where the test runner, `qctl` and `qrew-coordinator` live.
    static var productsDirectory: String { LocalCluster.executableDirectory }

    /// Starts `executable` (default: the built qctl) with `arguments`. The environment is the
    /// test's minus `QREW_*`, plus `environment`.
    init(_ arguments: [String], environment: [String: String] = [:], executable: String? = nil) throws {
        let directory = try temporaryDirectory()
        stdoutPath = directory + "/stdout"
        stderrPath = directory + "/stderr"
        process = try SpawnedProcess(
            executable: executable ?? Self.productsDirectory + "/qctl", arguments: arguments, logPath: stdoutPath,
            errorPath: stderrPath, baseEnvironment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QREW_") },
            environment: environment)
    }

    var stdoutSoFar: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderrSoFar: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits for the exit (killing the child after `timeout`, which then reports status -1).
    func wait(timeout: Duration = .seconds(30)) async -> QctlResult {
        let code: Int32
        if let status = await process.waitForExit(timeout: timeout) {
            code = SpawnedProcess.exitCode(status)
        } else {
            await process.terminate(signal: SIGKILL, grace: .zero)
            code = -1
        }
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
