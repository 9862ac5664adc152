import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis

/// Figure (w): figure (a)'s throughput (10,000 independent no-op tasks) on a fresh local cluster
/// of 1, 2, 4 and 8 workers, with the CPU time redis-server spent during each run (`INFO cpu`,
/// `used_cpu_sys` + `used_cpu_user`, over the run's wall time) and the memory the finished run
/// holds per task: where the curve flattens while Redis nears one full core, Redis is the
/// ceiling (docs/scaling.md).
enum WorkerScalingBenchmark {
    static let workerCounts = [1, 2, 4, 8]
    /// Figure (a)'s run size; the figure names it.
    static let tasks = 10_000

    static func run(binDirectory: String, concurrency: Int) async throws -> [BenchmarkFigure] {
        var figures: [BenchmarkFigure] = []
        for workers in workerCounts {
            print("scaling: \(workers) worker(s) × \(concurrency) slots ...")
            let cluster = try await LocalCluster.start(LocalCluster.Options(
                binDirectory: binDirectory, namespace: "bench", workers: workers, workerConcurrency: concurrency,
                environment: ["QREW_LOG_LEVEL": "warning"]))
            do {
                figures.append(try await measure(cluster, workers: workers))
                await cluster.stop()
            } catch {
                await cluster.stop()
                throw error
            }
        }
        return figures
    }

    private static func measure(_ cluster: LocalCluster, workers: Int) async throws -> BenchmarkFigure {
        let configuration = try RedisConfiguration(url: cluster.redisURL)
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: "bench"), scripts: try ScriptLibrary.bundled.get())
        let follower = try RunFollower(configuration: configuration, keys: queue.keys)
        defer { follower.close() }
        // Warm-up: scripts loaded, every worker connected and idle.
        _ = try await follower.time(queue, runID: "warmup", workflow: Workloads.independent(tasks: 100))
        let before = try await info(redis)
        let timing = try await follower.time(queue, runID: "w\(workers)", workflow: Workloads.independent(tasks: tasks))
        let after = try await info(redis)
        let cpu = after.cpuSeconds - before.cpuSeconds
        let wall = timing.done.seconds
        let bytesPerTask = Double(after.usedMemory - before.usedMemory) / Double(tasks)
        return BenchmarkFigure(
            name: "(w) 10,000 no-op tasks, \(workers) worker\(workers == 1 ? "" : "s")",
            value: Double(tasks) / wall, unit: "tasks/s",
            note: String(format: "Redis CPU %.0f %% of one core (%.2f s in %.2f s); the finished run holds %.0f bytes of Redis memory per task",
                         cpu / wall * 100, cpu, wall, bytesPerTask))
    }

    /// CPU seconds redis-server has used since it started (main thread and background threads,
    /// `INFO cpu`) and the memory it holds (`used_memory`).
    private static func info(_ redis: RedisClient) async throws -> (cpuSeconds: Double, usedMemory: Int) {
        let text = try await redis.send("INFO").string ?? ""
        var cpu = 0.0
        var memory = 0
        for line in text.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            switch parts[0] {
            case "used_cpu_sys", "used_cpu_user": cpu += Double(value) ?? 0
            case "used_memory": memory = Int(value) ?? 0
            default: break
            }
        }
        return (cpu, memory)
    }
}
