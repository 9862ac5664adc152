import Foundation
import QrewCore
import QrewQueue
import QrewRedis

/// Issue 17's front door: loading a 100,000-step workflow (YAML text to validated model, then
/// everything a coordinator's intake does with it) and the CPU a `qctl` call costs before it
/// does anything (`--help`, validating a one-step file, `status` of a missing run). With the
/// binaries of a baseline build (`--baseline-bin`), both builds' qctl calls and their load of the
/// same big workflow are measured alternately, and each figure says whether its target is met.
enum FrontDoorBenchmark {
    /// Issue 17: YAML parsing of big files at least this many times faster than the baseline's.
    static let loadSpeedupTarget = 5.0
    /// Issue 17: a `qctl` call that does next to nothing costs at most this much CPU.
    static let startTarget = 0.003

    static func run(steps: Int, binDirectory: String, baselineDirectory: String? = nil, rounds: Int = 3) async throws -> [BenchmarkFigure] {
        let text = Workloads.randomDAG(tasks: steps, dependencies: CoreBenchmark.dependenciesPerStep)
        let megabytes = Double(text.utf8.count) / 1e6
        let clock = ContinuousClock()
        var loadBest = Duration.seconds(1_000)
        var intakeBest = Duration.seconds(1_000)
        var intake = RunIntake(maxWorkflowBytes: Int.max)
        intake.runner = .allCores
        for _ in 0..<3 {
            let start = clock.now
            _ = try WorkflowLoader.load(text: text, fileName: "dag.yaml")
            let loaded = clock.now
            _ = try intake.prepare(runID: "bench", text: text, fileName: "dag.yaml", params: [:])
            loadBest = min(loadBest, loaded - start)
            intakeBest = min(intakeBest, clock.now - loaded)
        }
        var figures = [
            BenchmarkFigure(
                name: "YAML load, \(steps) steps (\(String(format: "%.1f", megabytes)) MB)", value: loadBest.seconds * 1000, unit: "ms",
                note: "parse + decode + validate; \(String(format: "%.0f", megabytes / loadBest.seconds)) MB/s"),
            BenchmarkFigure(
                name: "intake of the same text", value: intakeBest.seconds * 1000, unit: "ms",
                note: "what a coordinator does per submission: load, decompose, task records; the steps list parsed, decoded and planned in pieces on all cores"),
        ]
        figures += try await qctlStart(binDirectory: binDirectory, baselineDirectory: baselineDirectory)
        if let baselineDirectory {
            figures += try await qctlLoad(binDirectory: binDirectory, baselineDirectory: baselineDirectory, rounds: rounds)
        }
        return figures
    }

    /// Both builds' `qctl validate` of the same 4 MB workflow (under the coordinator's default
    /// 4 MiB limit), alternating, with an undeclared `--set` parameter: qctl then stops right after
    /// loading the text (read, YAML, decode, validate) and reports the parameter, so the CPU is
    /// the load's (plus a process start) in both builds, whatever each does after it.
    private static func qctlLoad(binDirectory: String, baselineDirectory: String, rounds: Int) async throws -> [BenchmarkFigure] {
        let qctl = binDirectory + "/qctl", baselineQctl = baselineDirectory + "/qctl"
        guard FileManager.default.isExecutableFile(atPath: qctl), FileManager.default.isExecutableFile(atPath: baselineQctl) else { return [] }
        let steps = 40_000
        let text = Workloads.randomDAG(tasks: steps, dependencies: CoreBenchmark.dependenciesPerStep)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-bench-\(getpid())-load.yaml").path
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let arguments = ["validate", "--set", "qrew-bench-undeclared=1", file]
        var ours: [Double] = [], baseline: [Double] = []
        for _ in 0..<rounds {
            baseline.append(try await cpu(of: baselineQctl, arguments, runs: 1))
            ours.append(try await cpu(of: qctl, arguments, runs: 1))
        }
        let (value, baselineValue) = (median(ours), median(baseline))
        let speedup = baselineValue / value
        return [BenchmarkFigure(
            name: "qctl YAML load, \(steps) steps (\(String(format: "%.1f", Double(text.utf8.count) / 1e6)) MB), CPU", value: value * 1000, unit: "ms",
            note: "read + YAML + decode + validate, stopped at an undeclared --set; baseline \(String(format: "%.0f", baselineValue * 1000)) ms, "
                + "medians of \(rounds) alternating: \(String(format: "%.2f", speedup))× faster; target ≥ \(Int(loadSpeedupTarget))×: "
                + (speedup >= loadSpeedupTarget ? "met" : "MISSED"))]
    }

    private static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Mean CPU (user + system) of `qctl` calls that do next to nothing, each from its own
    /// rusage; the target is 3 ms.
    private static func qctlStart(binDirectory: String, baselineDirectory: String?) async throws -> [BenchmarkFigure] {
        let qctl = binDirectory + "/qctl"
        guard FileManager.default.isExecutableFile(atPath: qctl) else { return [] }
        let tiny = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-bench-\(getpid())-tiny.yaml").path
        try Workloads.single.write(toFile: tiny, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tiny) }
        let server = try await RedisServerProcess.start(options: RedisServerOptions())
        do {
            let baselineQctl = baselineDirectory.map { $0 + "/qctl" }.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
            let figures = try await qctlCalls(qctl, baseline: baselineQctl, tiny: tiny, redisURL: server.url)
            await server.stop()
            return figures
        } catch {
            await server.stop()
            throw error
        }
    }

    private static func qctlCalls(_ qctl: String, baseline: String?, tiny: String, redisURL: String) async throws -> [BenchmarkFigure] {
        let calls: [(name: String, arguments: [String])] = [
            ("qctl --help", ["--help"]),
            ("qctl validate (one step)", ["validate", tiny]),
            ("qctl status (missing run)", ["status", "no-such-run", "--redis", redisURL]),
        ]
        var figures: [BenchmarkFigure] = []
        for call in calls {
            let runs = 20
            let perCall = try await cpu(of: qctl, call.arguments, runs: runs)
            var versus = ""
            if let baseline {
                let baselineCall = try await cpu(of: baseline, call.arguments, runs: runs)
                versus = String(format: "; baseline %.3f ms (%.2f× less)", baselineCall * 1000, baselineCall / perCall)
            }
            figures.append(BenchmarkFigure(
                name: "\(call.name), CPU", value: perCall * 1000, unit: "ms",
                note: "user + system, mean of \(runs)\(versus); target ≤ \(Int(startTarget * 1000)) ms: \(perCall <= startTarget ? "met" : "MISSED")"))
        }
        return figures
    }

    /// Mean CPU seconds (user + system: the child's own rusage from `wait4`) of `runs` calls of
    /// `executable`, after one untimed call that warms the page cache. Started with `posix_spawn`
    /// (output to /dev/null), so the figure is the call's CPU alone: Foundation's `Process` did
    /// work in the child before `exec` that added ~0.5 ms to each call's figure.
    private static func cpu(of executable: String, _ arguments: [String], runs: Int) async throws -> Double {
        try await withCheckedThrowingContinuation { continuation in
            Thread {  // blocking waits, off the concurrency pool
                continuation.resume(with: Result {
                    _ = try spawnedCPU(executable, arguments)
                    var total = 0.0
                    for _ in 0..<runs { total += try spawnedCPU(executable, arguments) }
                    return total / Double(runs)
                })
            }.start()
        }
    }

    /// One call of `executable`, waited for: the CPU seconds it used.
    private static func spawnedCPU(_ executable: String, _ arguments: [String]) throws -> Double {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)  // a child of this thread blocks no signal
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ([executable] + arguments).map { strdup($0) }
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv + [nil], environ)
        guard spawned == 0 else {
            throw ChildCommand.Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw ChildCommand.Failure(description: "wait4 for \(executable): \(String(cString: strerror(errno)))") }
        }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func seconds(_ time: timeval) -> Double {
        Double(time.tv_sec) + Double(time.tv_usec) / 1e6
    }
}
