import QrewCoordinator
import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// A redis-server, a queue client that plays the worker, and coordinators started in-process.
struct CoordinatorHarness {
    let server: RedisServerProcess
    let queue: QueueClient

    func configuration(id: String, leaderLease: Duration = .seconds(5)) -> CoordinatorConfiguration {
        CoordinatorConfiguration(
            redisURL: server.url, namespace: "ct", id: id, leaderLease: leaderLease, retention: .seconds(600),
            maintenanceInterval: .milliseconds(50))
    }

    /// Starts a coordinator (`adjust` changes its configuration first); cancel the returned task to stop it.
    func startCoordinator(
        id: String, leaderLease: Duration = .seconds(5), adjust: (inout CoordinatorConfiguration) -> Void = { _ in }
    ) throws -> Task<Void, Never> {
        var configuration = configuration(id: id, leaderLease: leaderLease)
        adjust(&configuration)
        let coordinator = try Coordinator(configuration: configuration)
        return Task { await coordinator.run() }
    }

    func submit(_ yaml: String, runID: String, params: [String: String] = [:]) async throws {
        _ = try await queue.enqueueSubmission(runID: runID, fileName: "\(runID).yaml", workflow: yaml, params: params)
    }

    /// Waits until the run exists and satisfies `condition` (QueueClient.waitForRun).
    func waitForRun(
        _ runID: String, timeout: Duration = .seconds(10), until condition: (RunSnapshot) -> Bool = { _ in true }
    ) async throws -> RunSnapshot {
        try await queue.waitForRun(runID, timeout: timeout, until: condition)
    }

    /// Plays a worker: claims and completes tasks until the run finishes; returns claim order.
    func work(
        _ runID: String, worker: String = "w", timeout: Duration = .seconds(10),
        outcome: (TaskSpec) -> TaskOutcome = { _ in .succeeded }
    ) async throws -> [String] {
        var order: [String] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let claimed = try await queue.claim(worker: worker, lease: .seconds(30), max: 1, queues: ["default"])
            for task in claimed {
                order.append(task.ref.taskID)
                let spec = try TaskSpec(jsonText: task.spec).rendered(outputs: task.outputs)
                let result = outcome(spec)
                _ = try await queue.complete(
                    task, outcome: result, exitCode: result == .succeeded ? 0 : 1,
                    output: "output of \(spec.taskID): \(spec.run.joined(separator: " "))",
                    error: result == .succeeded ? nil : "failed on purpose", retryDelay: nil)
            }
            if claimed.isEmpty {
                if try await queue.runSnapshot(runID)?.isFinished == true { return order }
                try await Task.sleep(for: .milliseconds(10))
            }
        }
        Issue.record("run \(runID) did not finish within \(timeout)")
        return order
    }
}

func withCoordinatorHarness(_ body: (CoordinatorHarness) async throws -> Void) async throws {
    try await withRedisServer { server in
        let redis = RedisClient(configuration: try testConfiguration(for: server))
        defer { redis.close() }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: "ct"), scripts: try ScriptLibrary.bundled.get())
        try await body(CoordinatorHarness(server: server, queue: queue))
    }
}
