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
    /// Qrew's figures, then the peers' (when `peers` is given) on the same redis-server while
    /// Qrew's cluster idles.
    static func run(
        binDirectory: String, redisURL: String?, workers: Int, concurrency: Int, only: Set<Character> = allFigures,
        peers: PeerBenchmark? = nil, metricsPort: Int? = nil, signing: Bool = false
    ) async throws -> (qrew: [BenchmarkFigure], peers: [BenchmarkFigure]) {
        var options = LocalCluster.Options(
            binDirectory: binDirectory, redisURL: redisURL, namespace: "bench", workers: workers, workerConcurrency: concurrency,
            environment: ["QREW_LOG_LEVEL": "warning"])
        // Figure (h) submits a ~9 MB workflow, over the coordinator's default 4 MiB limit.
        options.coordinatorArguments = ["--max-workflow-bytes", String(FrontDoorClusterBenchmark.maxWorkflowBytes)]
        options.metricsPort = metricsPort
        // With signing, a key file of its own (HMAC-SHA256 per task: the coordinator signs, workers check).
        let keyDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-bench-keys-\(getpid())").path
        defer { if signing { try? FileManager.default.removeItem(atPath: keyDirectory) } }
        if signing {
            let directory = keyDirectory
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let path = directory + "/signing.key"
            try (try SigningKey.newKeyLine(id: "bench") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            options.signingKeyFile = path
        }
        // What a producer submitting directly prepares runs with: the coordinator's settings and key.
        var directIntake = RunIntake(cachingWorkflows: true)
        directIntake.signer = try SigningKeyFile.signer(flag: options.signingKeyFile, environment: [:], namespace: options.namespace)
        let cluster = try await LocalCluster.start(options)
        do {
            let figures = try await measure(cluster, only: only, directIntake: directIntake)
            let peerFigures = await peers?.run(redisURL: cluster.redisURL) ?? []
            await cluster.stop()
            return (figures, peerFigures)
        } catch {
            await cluster.stop()
            throw error
        }
    }

    /// The figures `measure` can take, by their letter in the issue: a–e, and the front door
    /// through a real cluster: q (`qctl submit --wait` of 10,000 tasks) and h (a 100,000-task DAG).
    static let allFigures: Set<Character> = ["a", "b", "c", "d", "e", "q", "h"]

    private static func measure(_ cluster: LocalCluster, only: Set<Character>, directIntake: RunIntake) async throws -> [BenchmarkFigure] {
        let configuration = try RedisConfiguration(url: cluster.redisURL)
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: "bench"), scripts: try ScriptLibrary.bundled.get())
        let follower = try RunFollower(configuration: configuration, keys: queue.keys)
        defer { follower.close() }
        var figures: [BenchmarkFigure] = []

        // Warm-up: the first run loads scripts and spawns nothing new.
        _ = try await follower.time(queue, runID: "warmup", workflow: Workloads.independent(tasks: 100))

        let steps: [(Character, (QueueClient, RunFollower) async throws -> [BenchmarkFigure])] = [
            ("a", independentThroughput), ("b", { queue, _ in try await singleTaskLatency(queue, directIntake: directIntake) }),
            ("c", randomDAG), ("d", chain), ("e", shellThroughput),
        ]
        for (letter, step) in steps where only.contains(letter) {
            try await settle(queue)
            figures += try await step(queue, follower)
        }
        let frontDoor = FrontDoorClusterBenchmark(qctl: cluster.options.binDirectory + "/qctl", redisURL: cluster.redisURL, namespace: "bench")
        if only.contains("q") {
            try await settle(queue)
            figures += try await frontDoor.submitAndWait(tasks: 10_000)
        }
        if only.contains("h") {
            try await settle(queue)
            figures += try await frontDoor.bigDAG(tasks: 100_000)
        }
        return figures
    }

    /// Waits (up to 10 s) until the coordinator has done the background work the previous figure
    /// left, expiring a finished big run's task keys, so each figure starts on an idle cluster.
    private static func settle(_ queue: QueueClient) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline, try await queue.redis.send("ZCARD", .string(queue.keys.expiring)).int ?? 0 > 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private static func independentThroughput(_ queue: QueueClient, _ follower: RunFollower) async throws -> [BenchmarkFigure] {
        let timing = try await follower.time(queue, runID: "a", workflow: Workloads.independent(tasks: 10_000))
        return [BenchmarkFigure(
            name: "(a) 10,000 independent no-op tasks", value: 10_000 / timing.done.seconds, unit: "tasks/s",
            note: "submit to last completion \(milliseconds(timing.done)), to first start \(milliseconds(timing.firstStart ?? timing.done)); target ≥ 20,000",
            key: "a")]
    }

    /// Figure (b) twice: submitted through a coordinator (an `XADD` to `P:submissions`), then
    /// directly (`QueueSession.submitDirectly`), as a producer holding the coordinator's rights
    /// and key does; the peers' probes push straight to Redis too, so the direct rows are the
    /// ones compared with them as well.
    private static func singleTaskLatency(_ queue: QueueClient, directIntake: RunIntake) async throws -> [BenchmarkFigure] {
        try await latencyFigures(queue, submission: .throughCoordinator, prefix: "b", label: "single-task run", keyPrefix: "b")
            + latencyFigures(
                queue, submission: .direct(directIntake), prefix: "bd", label: "single-task run, direct submission",
                keyPrefix: "b.direct", peerKeyPrefix: "b")
    }

    private static func latencyFigures(
        _ queue: QueueClient, submission: LatencyProbe.Submission, prefix: String, label: String, keyPrefix: String,
        peerKeyPrefix: String? = nil
    ) async throws -> [BenchmarkFigure] {
        // A synchronous client on a thread of its own, as the peers' probes are (`LatencyProbe`).
        let timings = try await LatencyProbe(configuration: queue.redis.configuration, queue: queue, submission: submission)
            .time(runs: 200, prefix: prefix, workflow: Workloads.single)
        let starts = timings.map { $0.firstStart ?? $0.done }
        let dones = timings.map(\.done)
        let figures: [(String, Double, String, String)] = [
            ("submit to start, p50", percentile(starts, 0.5).seconds * 1000,
             "p99 \(milliseconds(percentile(starts, 0.99))); 200 runs one after another, target ≤ 0.3 ms", "start.p50"),
            ("submit to done, p50", percentile(dones, 0.5).seconds * 1000,
             "p99 \(milliseconds(percentile(dones, 0.99))); targets p50 ≤ 0.5 ms (≤ 0.6× huey), p99 ≤ 1 ms", "done.p50"),
            ("submit to done, p99", percentile(dones, 0.99).seconds * 1000, "target ≤ 1 ms", "done.p99"),
        ]
        return figures.map { what, value, note, key in
            BenchmarkFigure(
                name: "(b) \(label), \(what)", value: value, unit: "ms", note: note, key: "\(keyPrefix).\(key)",
                peerKey: peerKeyPrefix.map { "\($0).\(key)" })
        }
    }

    private static func randomDAG(_ queue: QueueClient, _ follower: RunFollower) async throws -> [BenchmarkFigure] {
        let timing = try await follower.time(queue, runID: "c", workflow: Workloads.randomDAG(tasks: 10_000, dependencies: 2))
        let depth = try Workloads.randomDAGDepth(tasks: 10_000, dependencies: 2)
        return [BenchmarkFigure(
            name: "(c) 10,000-task random DAG (~2 deps each)", value: timing.done.seconds, unit: "s",
            note: "wall time, submit to done; \(depth) dependency levels, \(String(format: "%.2f", timing.done.seconds * 1000 / Double(depth))) ms "
                + "per level; target ≤ 2 s", key: "c")]
    }

    private static func chain(_ queue: QueueClient, _ follower: RunFollower) async throws -> [BenchmarkFigure] {
        let timing = try await follower.time(queue, runID: "d", workflow: Workloads.chain(steps: 200))
        return [BenchmarkFigure(
            name: "(d) chain of 200 steps", value: timing.done.seconds * 1000 / 200, unit: "ms/step",
            note: "total \(milliseconds(timing.done)); target ≤ 1 ms/step", key: "d")]
    }

    private static func shellThroughput(_ queue: QueueClient, _ follower: RunFollower) async throws -> [BenchmarkFigure] {
        let timing = try await follower.time(queue, runID: "e", workflow: Workloads.shell(tasks: 2_000))
        return [BenchmarkFigure(
            name: "(e) 2,000 `true` shell tasks", value: 2_000 / timing.done.seconds, unit: "tasks/s",
            note: "process spawning, submit to done \(milliseconds(timing.done))", key: "e")]
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
