import Foundation
import QrewProcess

extension SpawnedProcess {
    /// Starts it through `qrew-supervise`, which also makes it a process group leader with a
    /// clean signal state; a thread of its own waits for the exit status it reports.
    static func launchSupervised(
        supervisor: String, executable: String, argv: [String], environment: [String: String], logPath: String,
        errorPath: String?, record: ExitRecord
    ) throws(SpawnError) -> pid_t {
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else { throw SpawnError(description: "cannot open \(logPath): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        var errors = log
        if let errorPath {
            errors = open(errorPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard errors >= 0 else { throw SpawnError(description: "cannot open \(errorPath): \(String(cString: strerror(errno)))") }
        }
        defer { if errors != log { close(errors) } }
        let launch: SupervisedLaunch
        do throws(SupervisedLaunch.Failure) {
            launch = try SupervisedLaunch.start(
                supervisor: supervisor, path: executable, argv: argv, environment: environment, cwd: nil,
                stdout: log, stderr: errors)
        } catch {
            throw SpawnError(description: "cannot launch \(executable): \(error)")
        }
        let thread = Thread {
            // Without a report the spawner was killed, and the child with it (SIGKILL).
            let status = launch.waitForExit() ?? SIGKILL
            close(launch.reportFD)
            record.status.withLock { $0 = status }
        }
        thread.name = "qrew-watch-\(launch.pid)"
        thread.stackSize = 64 << 10
        thread.start()
        return launch.pid
    }
}
