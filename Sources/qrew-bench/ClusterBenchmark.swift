import Foundation
import QrewCore
import QrewLocalCluster
import QrewQueue
import QrewRedis

/// End-to-end figures on a local cluster (redis-server, one coordinator, two workers, all on
/// this machine's cores): throughput of independent no-op tasks, single-task latency, a random
/// DAG, a chain, and shell tasks. Times run from the submission to the `run_finished` event as
/// a subscribed client sees it.
enum ClusterBenchmark {
    static func run(
        binDirectory: String, redisURL: String?, workers: Int, concurrency: Int
    ) async throws -> [BenchmarkFigure] {
        let cluster = try await LocalCluster.start(LocalCluster.Options(
            binDirectory: binDirectory, redisURL: redisURL, namespace: "bench", workers: workers, workerConcurrency: concurrency,
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

    private static func measure(_ cluster: LocalCluster) async throws -> [BenchmarkFigure] {
        let configuration = try RedisConfiguration(url: cluster.redisURL)
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: "bench"), scripts: try ScriptLibrary.bundled.get())
        let follower = try RunFollower(configuration: configuration, keys: queue.keys)
        defer { follower.close() }
        var figures: [BenchmarkFigure] = []

        // Warm-up: the first run loads scripts and spawns nothing new.
        _ = try await follower.time(queue, runID: "warmup", workflow: Workloads.independent(tasks: 100))

        let independent = try await follower.time(queue, runID: "a", workflow: Workloads.independent(tasks: 10_000))
        figures.append(BenchmarkFigure(
            name: "(a) 10,000 independent no-op tasks", value: 10_000 / independent.done.seconds, unit: "tasks/s",
            note: "submit to last completion \(milliseconds(independent.done)); target ≥ 20,000"))

        var starts: [Duration] = []
        var dones: [Duration] = []
        for index in 0..<200 {
            let timing = try await follower.time(queue, runID: "b\(index)", workflow: Workloads.single)
            starts.append(timing.firstStart ?? timing.done)
            dones.append(timing.done)
        }
        figures.append(BenchmarkFigure(
            name: "(b) single-task run, submit to start, p50", value: percentile(starts, 0.5).seconds * 1000, unit: "ms",
            note: "p99 \(milliseconds(percentile(starts, 0.99))); 200 runs one after another"))
        figures.append(BenchmarkFigure(
            name: "(b) single-task run, submit to done, p50", value: percentile(dones, 0.5).seconds * 1000, unit: "ms",
            note: "p99 \(milliseconds(percentile(dones, 0.99))); targets p50 ≤ 1 ms, p99 ≤ 3 ms"))

        let dag = try await follower.time(queue, runID: "c", workflow: Workloads.randomDAG(tasks: 10_000, dependencies: 2))
        figures.append(BenchmarkFigure(
            name: "(c) 10,000-task random DAG (~2 deps each)", value: dag.done.seconds, unit: "s",
            note: "wall time, submit to done; target ≤ 2 s"))

        let chain = try await follower.time(queue, runID: "d", workflow: Workloads.chain(steps: 200))
        figures.append(BenchmarkFigure(
            name: "(d) chain of 200 steps", value: chain.done.seconds * 1000 / 200, unit: "ms/step",
            note: "total \(milliseconds(chain.done)); target ≤ 1 ms/step"))

        let shell = try await follower.time(queue, runID: "e", workflow: Workloads.shell(tasks: 2_000))
        figures.append(BenchmarkFigure(
            name: "(e) 2,000 `true` shell tasks", value: 2_000 / shell.done.seconds, unit: "tasks/s",
            note: "process spawning, submit to done \(milliseconds(shell.done))"))
        return figures
    }

    private static func percentile(_ values: [Duration], _ fraction: Double) -> Duration {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .zero }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
    }

    private static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.2f ms", duration.seconds * 1000)
    }
}
