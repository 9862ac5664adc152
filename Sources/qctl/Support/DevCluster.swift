import Foundation
import QrewRedis
import Synchronization

/// The local cluster of `qctl dev`: an optional throwaway redis-server, one coordinator and N
/// workers, each logging to a file in `logDirectory`. `stop()` ends everything it started.
final class DevCluster: Sendable {
    let url: String
    let namespace: String
    let logDirectory: String
    /// The redis-server started for this cluster; nil when it uses an existing Redis.
    let server: RedisServerProcess?
    private let children = Mutex<[SpawnedProcess]>([])

    init(url: String, namespace: String, logDirectory: String, server: RedisServerProcess?) {
        self.url = url
        self.namespace = namespace
        self.logDirectory = logDirectory
        self.server = server
    }

    /// A fresh temporary directory for the cluster's logs.
    static func makeLogDirectory() throws -> String {
        var template = Array((NSTemporaryDirectory() + "/qrew-dev-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CommandFailure("cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// Starts `executable` with `arguments`, logging to `<logDirectory>/<name>.log`.
    @discardableResult
    func spawn(name: String, executable: String, arguments: [String]) throws -> SpawnedProcess {
        let process = try SpawnedProcess(
            name: name, executable: executable, arguments: arguments, logPath: "\(logDirectory)/\(name).log")
        children.withLock { $0.append(process) }
        return process
    }

    var processes: [SpawnedProcess] { children.withLock { $0 } }

    /// SIGTERM to every child (workers drain), up to `grace` for them to exit, SIGKILL to the
    /// rest; then the redis-server, if this cluster started it.
    func stop(grace: Duration = .seconds(10)) async {
        let running = processes
        await BlockingThread.run {
            running.forEach { $0.signal(SIGTERM) }
            let deadline = ContinuousClock.now + grace
            while ContinuousClock.now < deadline, running.contains(where: { $0.exitStatus() == nil }) {
                usleep(10_000)
            }
            running.forEach { $0.killGroup() }
        }
        await server?.stop()
    }

    /// Reports children that exited on their own; returns why the cluster cannot go on (the
    /// coordinator or every worker is gone), or nil while it can.
    func checkChildren(reported: inout Set<pid_t>) -> String? {
        let all = processes
        for process in all where !reported.contains(process.pid) {
            if let status = process.exitStatus() {
                reported.insert(process.pid)
                Console.error("qctl dev: \(process.name) (pid \(process.pid)) \(SpawnedProcess.describe(status)); log: \(process.logPath)")
            }
        }
        let alive = all.filter { $0.exitStatus() == nil }
        if !alive.contains(where: { $0.name == "coordinator" }) { return "the coordinator exited" }
        if !alive.contains(where: { $0.name.hasPrefix("worker") }) { return "every worker exited" }
        return nil
    }
}
