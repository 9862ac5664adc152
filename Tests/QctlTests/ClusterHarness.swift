import Foundation
import QrewCoordinator
import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// A redis-server, an in-process coordinator, and a queue client with which the test plays the
/// worker; `environment` points a qctl child process at them.
struct ClusterHarness {
    static let namespace = "qt"
    let server: RedisServerProcess
    let queue: QueueClient

    var environment: [String: String] { ["QREW_REDIS_URL": server.url, "QREW_NAMESPACE": Self.namespace] }

    /// Waits until the run exists and satisfies `condition` (QueueClient.waitForRun).
    func waitForRun(
        _ runID: String, timeout: Duration = .seconds(10), until condition: (RunSnapshot) -> Bool = { _ in true }
    ) async throws -> RunSnapshot {
        try await queue.waitForRun(runID, timeout: timeout, until: condition)
    }

    /// Plays a worker until the run finishes: each task prints two lines, then ends with
    /// `outcome(task id)`.
    func work(
        _ runID: String, worker: String = "w1", timeout: Duration = .seconds(15),
        outcome: (String) -> TaskOutcome = { _ in .succeeded }
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let claimed = try await queue.claim(worker: worker, lease: .seconds(30), max: 4, queues: ["default"])
            for task in claimed {
                let id = task.ref.taskID
                _ = try await queue.appendOutput(task, stream: "stdout", lines: ["hello from \(id)", "bye from \(id)"])
                let result = outcome(id)
                _ = try await queue.complete(
                    task, outcome: result, exitCode: result == .succeeded ? 0 : 3, output: "out-\(id)",
                    error: result == .succeeded ? nil : "\(id) broke on purpose", retryDelay: nil)
            }
            if claimed.isEmpty {
                if try await queue.runFields(runID)?["finishedAt"] != nil { return }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        Issue.record("run \(runID) did not finish within \(timeout)")
    }
}

/// Runs `body` with a fresh redis-server and, unless `coordinator` is false, a coordinator.
func withCluster(coordinator: Bool = true, _ body: (ClusterHarness) async throws -> Void) async throws {
    try await withRedisServer { server in
        let redis = RedisClient(configuration: try testConfiguration(for: server))
        defer { redis.close() }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: ClusterHarness.namespace), scripts: try ScriptLibrary.bundled.get())
        var service: Task<Void, Never>?
        if coordinator {
            let configuration = CoordinatorConfiguration(
                redisURL: server.url, namespace: ClusterHarness.namespace, id: "test-coordinator",
                retention: .seconds(600), maintenanceInterval: .milliseconds(50))
            let instance = try Coordinator(configuration: configuration)
            service = Task { await instance.run() }
        }
        do {
            try await body(ClusterHarness(server: server, queue: queue))
        } catch {
            service?.cancel()
            await service?.value
            throw error
        }
        service?.cancel()
        await service?.value
    }
}

/// A four-task diamond-ish workflow: a, then b and c, then d after b.
let smallWorkflow = """
    name: small
    steps:
      - id: a
        run: [echo, a]
      - id: b
        dependsOn: [a]
        run: [echo, b]
      - id: c
        dependsOn: [a]
        run: [echo, c]
      - id: d
        dependsOn: [b]
        run: [echo, d]
    """
