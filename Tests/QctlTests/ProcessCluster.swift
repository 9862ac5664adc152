import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Real qrew-coordinator and qrew-worker processes on a test's redis-server, each started as
/// the test says (under `faketime`, with a fault injected), stopped when the test ends.
final class ProcessCluster: @unchecked Sendable {
    let server: RedisServerProcess
    let queue: QueueClient
    let namespace: String
    let logDirectory: String
    private(set) var processes: [SpawnedProcess] = []

    init(server: RedisServerProcess, queue: QueueClient, namespace: String) throws {
        self.server = server
        self.queue = queue
        self.namespace = namespace
        logDirectory = try temporaryDirectory()
    }

    /// Starts `binary` (qrew-coordinator or qrew-worker) with the connection flags and
    /// `arguments`, under `wrapper` (e.g. `["faketime", "-f", "+20s"]`) when given.
    @discardableResult
    func start(
        _ binary: String, _ arguments: [String], name: String, wrapper: [String] = [], environment: [String: String] = [:]
    ) throws -> SpawnedProcess {
        let path = LocalCluster.executableDirectory + "/" + binary
        let all = ["--redis", server.url, "--namespace", namespace] + arguments
        let executable = wrapper.first.flatMap(SpawnedProcess.findExecutable) ?? path
        let process = try SpawnedProcess(
            executable: executable, arguments: wrapper.isEmpty ? all : Array(wrapper.dropFirst()) + [path] + all,
            logPath: "\(logDirectory)/\(name).log", environment: environment)
        processes.append(process)
        return process
    }

    /// Every process's log tail, for a failing expectation.
    var logs: String {
        processes.map { "--- \($0.logPath)\n\($0.logTail(lines: 20))" }.joined(separator: "\n")
    }

    /// Stops every process and whatever it started: each leads its own process group, so a
    /// wrapper's child (the service under `faketime`) gets the signal too.
    func stopAll() async {
        for process in processes.reversed() {
            kill(-process.pid, SIGTERM)
            await process.terminate(grace: .seconds(3))
            kill(-process.pid, SIGKILL)
        }
    }
}

/// Runs `body` with a fresh redis-server and a process cluster on it; stops every process after.
func withProcessCluster(namespace: String = "pc", _ body: (ProcessCluster) async throws -> Void) async throws {
    try await withRedisServer { server in
        let redis = RedisClient(configuration: try testConfiguration(for: server))
        defer { redis.close() }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: namespace), scripts: try ScriptLibrary.bundled.get())
        let cluster = try ProcessCluster(server: server, queue: queue, namespace: namespace)
        do {
            try await body(cluster)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }
}
