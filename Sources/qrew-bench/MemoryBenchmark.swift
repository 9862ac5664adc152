import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis

/// Figure (m): the Redis memory a finished, retained run holds per task (issue 17's target:
/// at most 1 KB). A 100,000-task run, a matrix part (90,000 independent echo tasks, 250 siblings
/// a step) and a DAG part (a random 10,000-step DAG), runs on a fresh local cluster with its own
/// redis-server (default configuration); the figure is `used_memory` (`INFO memory`) after the run
/// finished and its task keys got their expiry, minus `used_memory` before it was submitted,
/// divided by the tasks. The note splits it: task hashes (the delta less the run's own keys),
/// the run's keys (`MEMORY USAGE`), and a sample task hash of each part with its encoding.
enum MemoryBenchmark {
    static let matrixTasks = 90_000
    static let dagTasks = 10_000

    static func run(binDirectory: String, workers: Int, concurrency: Int) async throws -> [BenchmarkFigure] {
        let cluster = try await LocalCluster.start(LocalCluster.Options(
            binDirectory: binDirectory, namespace: "bench", workers: workers, workerConcurrency: concurrency,
            environment: ["QREW_LOG_LEVEL": "warning"]))
        do {
            let figures = try await measure(cluster)
            await cluster.stop()
            return figures
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// The workflow: the matrix steps of figure (a)'s workload, then a random DAG's steps.
    static var workflow: String {
        let dag = Workloads.randomDAG(tasks: dagTasks, dependencies: 3)
        let dagSteps = dag[dag.range(of: "steps:\n")!.upperBound...]
        return Workloads.independent(tasks: matrixTasks) + dagSteps
    }

    private static func measure(_ cluster: LocalCluster) async throws -> [BenchmarkFigure] {
        let configuration = try RedisConfiguration(url: cluster.redisURL)
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        let keys = Keys(prefix: "bench")
        let queue = QueueClient(redis: redis, keys: keys, scripts: try ScriptLibrary.bundled.get())
        let follower = try RunFollower(configuration: configuration, keys: keys)
        defer { follower.close() }
        // Warm-up: scripts loaded, workers connected, the namespace's own keys made.
        _ = try await follower.time(queue, runID: "warmup", workflow: Workloads.independent(tasks: 100))
        try await waitUntilExpiryApplied(redis, keys: keys)
        let text = workflow
        let before = try await usedMemory(redis)
        let runID = "memory"
        let timing = try await follower.time(queue, runID: runID, workflow: text)
        try await waitUntilExpiryApplied(redis, keys: keys)
        let after = try await usedMemory(redis)
        let tasks = matrixTasks + dagTasks
        let perTask = Double(after - before) / Double(tasks)

        var runKeys: [(String, Int)] = []
        for suffix in ["", ":tasks", ":events", ":outcome", ":specs"] {
            let key = keys.run(runID) + suffix
            if let bytes = try await redis.send("MEMORY", "USAGE", .string(key), "SAMPLES", "0").int {
                runKeys.append((suffix.isEmpty ? "run hash" : String(suffix.dropFirst()), bytes))
            }
        }
        let runBytes = runKeys.reduce(0) { $0 + $1.1 }
        let samples = try await sample(redis, keys: keys, refs: ["\(runID)/part0[i=7]", "\(runID)/s\(dagTasks / 2)"])
        let split = runKeys.map { String(format: "%@ %.0f", $0.0, Double($0.1) / Double(tasks)) }.joined(separator: ", ")
        return [BenchmarkFigure(
            name: "(m) Redis memory per retained finished task, 100,000 tasks (90,000 matrix + 10,000 DAG)",
            value: perTask, unit: "bytes/task",
            note: String(
                format: "run took %.1f s; task keys %.0f B/task, the run's keys %.0f B/task (%@); sample task hashes: %@",
                timing.done.seconds, perTask - Double(runBytes) / Double(tasks), Double(runBytes) / Double(tasks), split,
                samples))]
    }

    /// `MEMORY USAGE` and `OBJECT ENCODING` of each sampled task hash.
    private static func sample(_ redis: RedisClient, keys: Keys, refs: [String]) async throws -> String {
        var parts: [String] = []
        for ref in refs {
            let key = keys.prefix + ":task:" + ref
            let bytes = try await redis.send("MEMORY", "USAGE", .string(key), "SAMPLES", "0").int ?? 0
            let encoding = try await redis.send("OBJECT", "ENCODING", .string(key)).string ?? "absent"
            let fields = try await redis.send("HLEN", .string(key)).int ?? 0
            parts.append("\(ref.split(separator: "/").last ?? "") \(bytes) B, \(fields) fields, \(encoding)")
        }
        return parts.joined(separator: "; ")
    }

    /// Waits until the leader gave every finished run's task keys their expiry (`expire_tasks`
    /// emptied `P:expiring`): the retained state, expiry entries included.
    private static func waitUntilExpiryApplied(_ redis: RedisClient, keys: Keys) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(60)
        while try await redis.send("ZCARD", .string(keys.expiring)).int ?? 0 > 0 {
            guard clock.now < deadline else { throw RunFollower.RunFailed(description: "task keys not expired within 60 s") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private static func usedMemory(_ redis: RedisClient) async throws -> Int {
        let text = try await redis.send("INFO", "memory").string ?? ""
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("used_memory:") {
            return Int(line.dropFirst("used_memory:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return 0
    }
}
