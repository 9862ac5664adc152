import ArgumentParser
import Foundation
import QrewLocalCluster
import QrewRedis

/// `make bench`: prints Qrew's benchmark figures and, with `--append`, writes them as the current
/// table at the top of a markdown file (the table before moves under its History).
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrew-bench",
        abstract: "Measure Qrew (workflow core, Redis round trips, a local cluster) and, on the same redis-server, Celery, Dramatiq and huey.")

    @Option(help: ArgumentHelp(
        "Write the results as the current table at the top of this markdown file; the table it had moves under its History heading.",
        valueName: "file"))
    var append: String?

    @Option(help: ArgumentHelp(
        "Also measure figures (a) and (b) with the qrew-bench, qrew-coordinator and qrew-worker in this directory (e.g. today's "
            + "binaries), alternating with this build's, and show the ratio in the current table; figure (f) then also measures "
            + "that directory's qctl (start-up CPU, and its load of the same 4 MB workflow against this build's).",
        valueName: "dir"))
    var baselineBin: String?

    @Option(help: "Alternating rounds of figures (a) and (b), and of (f)'s workflow load, for --baseline-bin, each build.")
    var baselineRounds: Int = 3

    @Option(help: "Seconds per Redis round-trip measurement.")
    var seconds: Double = 3

    @Option(help: "Steps of the random workflow the core benchmark validates and decomposes.")
    var steps: Int = 100_000

    @Flag(help: "Skip the end-to-end cluster benchmarks, figures a–e and w (they need qrew-coordinator and qrew-worker built).")
    var skipCluster = false

    @Option(help: "The peer benchmark script (Celery, Dramatiq and huey), run on the cluster benchmark's redis-server.")
    var peers = "bench/peers/peers.py"

    @Option(help: "The Python that runs the peer benchmark (with celery, dramatiq, huey and redis installed); default python3 on PATH.")
    var peersPython: String?

    @Flag(help: "Skip measuring Celery, Dramatiq and huey (also skipped with --only unless --with-peers).")
    var skipPeers = false

    @Flag(help: "Measure the peers with --only too (their figures (a), (b), (d) and (q)).")
    var withPeers = false

    @Option(help: "Workers in the cluster benchmark.")
    var workers: Int = 2

    @Option(help: "Slots per worker in the cluster benchmark (no-op and `true` tasks wait on Redis, not on the CPU).")
    var concurrency: Int = 128

    @Option(help: "Run the cluster benchmark on this (empty) Redis instead of a private one, e.g. to read INFO commandstats.")
    var redis: String?

    @Option(help: ArgumentHelp(
        "Cluster benchmark with Prometheus metrics on: the coordinator serves them on this port, worker N on port + N.",
        valueName: "port"))
    var metricsPort: Int?

    @Flag(help: "Cluster benchmark with signed tasks: the coordinator signs and workers check every task (a fresh key file).")
    var signing = false

    @Option(help: """
        Take only these figures, by letter (cluster: a: throughput, b: latency, c: DAG, d: chain, e: shell, \
        q: qctl submit --wait of 10,000 tasks, h: a 100,000-task DAG end to end through qctl submit --wait; \
        s: the longest script call while a 100,000-task run is canceled, retried and fails fast; \
        l: Redis Lua time per task of (a)'s submit, claim and complete (INFO commandstats, private redis-server); \
        w: (a) with 1, 2, 4 and 8 workers and the Redis CPU at each; \
        m: Redis memory per retained finished task of a 100,000-task run; \
        f: the front door: YAML load of a --steps-step workflow and qctl start-up CPU), \
        e.g. --only ab; skips the core and round-trip sections.
        """)
    var only: String?

    /// Every letter `--only` takes.
    static let figureLetters = ClusterBenchmark.allFigures.union(["f", "l", "m", "s", "w"])

    func validate() throws {
        if let only, only.isEmpty || !Set(only).isSubset(of: Self.figureLetters) {
            throw ValidationError("--only takes letters among \(Self.figureLetters.sorted().map(String.init).joined(separator: ", "))")
        }
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard steps >= 1000 else { throw ValidationError("--steps must be at least 1000") }
        guard (1...50).contains(baselineRounds) else { throw ValidationError("--baseline-rounds takes 1 to 50") }
        if let baselineBin { try BaselineComparison(directory: baselineBin, rounds: baselineRounds).check() }
    }

    func run() async throws {
        var sections: [BenchmarkReport.Section] = []
        var peerFigures: [BenchmarkFigure] = []
        var baselineResult: BaselineComparison.Result?

        if only == nil || append != nil {
            print("host: redis-benchmark -c 1 PING on a private redis-server ...")
            sections.append(("Host speed", try await HostSpeed.run()))
            report(sections.last)
        }

        if only == nil {
            print("core: validating and decomposing random workflows ...")
            sections.append(("Workflow core (release build, one thread)", try CoreBenchmark.run(largest: steps)))
            report(sections.last)

            print("redis: starting a redis-server on a free loopback port ...")
            let server = try await RedisServerProcess.start(options: RedisServerOptions())
            let redisFigures: [BenchmarkFigure]
            do {
                redisFigures = try await RedisRoundTripBenchmark.run(server: server, seconds: seconds)
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
            sections.append(("Redis client (loopback, one connection)", redisFigures))
            report(sections.last)
        }

        if only?.contains("f") ?? true {
            print("front door: loading a \(steps)-step workflow text; qctl's start-up CPU ...")
            sections.append((
                "Front door (YAML load of a \(steps)-step workflow on one thread, its intake on all cores; qctl start-up CPU)",
                try await FrontDoorBenchmark.run(
                    steps: steps, binDirectory: LocalCluster.executableDirectory, baselineDirectory: baselineBin, rounds: baselineRounds)))
            report(sections.last)
        }

        if only?.contains("s") ?? true {
            print("slow calls: a 100,000-task run canceled, retried and failed under failFast; SLOWLOG ...")
            let server = try await RedisServerProcess.start(options: RedisServerOptions())
            let slowFigures: [BenchmarkFigure]
            do {
                slowFigures = try await SlowCallBenchmark.run(server: server)
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
            sections.append(("Longest script call on a 100,000-task run (SLOWLOG, private redis-server)", slowFigures))
            report(sections.last)
        }

        if only?.contains("l") ?? true {
            print("Lua time: figure (a)'s run submitted, claimed and completed on a private redis-server; INFO commandstats ...")
            let server = try await RedisServerProcess.start(options: RedisServerOptions())
            let luaFigures: [BenchmarkFigure]
            do {
                luaFigures = try await LuaCostBenchmark.run(server: server)
            } catch {
                await server.stop()
                throw error
            }
            await server.stop()
            sections.append(("Redis Lua time per task of figure (a)'s scripts (INFO commandstats, private redis-server)", luaFigures))
            report(sections.last)
            if let claim = luaFigures.first(where: { $0.name.contains("claim") }),
               let complete = luaFigures.first(where: { $0.name.contains("complete") }) {
                print(String(format: "Redis Lua time per task: claim %.1f µs, complete %.1f µs", claim.value, complete.value))
            }
        }

        let clusterFigures = only.map { Set($0).intersection(ClusterBenchmark.allFigures) } ?? ClusterBenchmark.allFigures
        if !skipCluster, !clusterFigures.isEmpty {
            print("cluster: redis-server, one coordinator and \(workers) workers on this machine ...")
            let peerBenchmark = skipPeers || (only != nil && !withPeers) ? nil : PeerBenchmark(
                script: peers, python: peersPython, tasks: 10_000, runs: 200, chainSteps: 200)
            let figures = try await ClusterBenchmark.run(
                binDirectory: LocalCluster.executableDirectory, redisURL: redis, workers: workers,
                concurrency: concurrency, only: clusterFigures, peers: peerBenchmark, metricsPort: metricsPort, signing: signing)
            sections.append((
                "Local cluster (\(workers) workers × \(concurrency) slots, coordinator and redis-server on the same cores\(signing ? ", tasks signed" : ""))",
                figures.qrew))
            report(sections.last)
            if !figures.peers.isEmpty {
                peerFigures = figures.peers
                report(("Peers on the same machine and redis-server (bench/peers/peers.py)", figures.peers))
            }
        }

        if !skipCluster, only?.contains("w") ?? true {
            let figures = try await WorkerScalingBenchmark.run(binDirectory: LocalCluster.executableDirectory, concurrency: concurrency)
            sections.append((
                "Worker scaling: figure (a) on 1, 2, 4 and 8 workers × \(concurrency) slots (fresh cluster each; Redis CPU from INFO cpu)",
                figures))
            report(sections.last)
        }

        if !skipCluster, only?.contains("m") ?? true {
            print("memory: a 100,000-task run (matrix and DAG) on a fresh local cluster; INFO memory ...")
            let figures = try await MemoryBenchmark.run(
                binDirectory: LocalCluster.executableDirectory, workers: workers, concurrency: concurrency)
            sections.append(("Redis memory per retained finished task (fresh cluster, default redis-server settings)", figures))
            report(sections.last)
        }

        if let baselineBin, !skipCluster, only.map({ $0.contains("a") || $0.contains("b") }) ?? true {
            let comparison = BaselineComparison(directory: baselineBin, rounds: baselineRounds)
            do {
                let result = try await comparison.run {
                    try await ClusterBenchmark.run(
                        binDirectory: LocalCluster.executableDirectory, redisURL: nil, workers: workers, concurrency: concurrency,
                        only: ["a", "b"]
                    ).qrew  // unsigned, as the baseline's own qrew-bench runs
                }
                report(("Baseline \(baselineBin): figures (a) and (b), medians of \(baselineRounds) alternating rounds", result.baseline))
                report(("This build: the same rounds", result.current))
                baselineResult = result
            } catch {
                // The figures already taken still make the report.
                print("baseline: not compared (\(error))")
            }
        }

        if let append {
            let table = BenchmarkReport.currentTable(
                sections: sections, peers: peerFigures, baseline: baselineResult, machine: MachineDescription.current())
            try BenchmarkReport.writeCurrentTable(table, to: append)
            print("wrote the current table of \(append) (the previous one moved under History)")
        }
    }

    private func report(_ section: BenchmarkReport.Section?) {
        guard let section else { return }
        print(BenchmarkReport.table(title: section.title, figures: section.figures))
    }
}
