import Foundation
import QrewCore
import QrewQueue
import QrewRedis

/// Issue 17's front door: loading a 100,000-step workflow (YAML text to validated model, then
/// everything a coordinator's intake does with it) and the CPU a `qctl` call costs before it
/// does anything (`--help`, validating a one-step file, `status` of a missing run).
enum FrontDoorBenchmark {
    static func run(steps: Int, binDirectory: String) async throws -> [BenchmarkFigure] {
        let text = Workloads.randomDAG(tasks: steps, dependencies: CoreBenchmark.dependenciesPerStep)
        let megabytes = Double(text.utf8.count) / 1e6
        let clock = ContinuousClock()
        var loadBest = Duration.seconds(1_000)
        var intakeBest = Duration.seconds(1_000)
        let intake = RunIntake(maxWorkflowBytes: Int.max)
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
                note: "what a coordinator does per submission: load, decompose, task records"),
        ]
        figures += try await qctlStart(binDirectory: binDirectory)
        return figures
    }

    /// Mean CPU (user + system) of `qctl` calls that do next to nothing, from the children's
    /// rusage; the target is 3 ms.
    private static func qctlStart(binDirectory: String) async throws -> [BenchmarkFigure] {
        let qctl = binDirectory + "/qctl"
        guard FileManager.default.isExecutableFile(atPath: qctl) else { return [] }
        let tiny = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-bench-\(getpid())-tiny.yaml").path
        try Workloads.single.write(toFile: tiny, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: tiny) }
        let server = try await RedisServerProcess.start(options: RedisServerOptions())
        do {
            let figures = try await qctlCalls(qctl, tiny: tiny, redisURL: server.url)
            await server.stop()
            return figures
        } catch {
            await server.stop()
            throw error
        }
    }

    private static func qctlCalls(_ qctl: String, tiny: String, redisURL: String) async throws -> [BenchmarkFigure] {
        let calls: [(name: String, arguments: [String])] = [
            ("qctl --help", ["--help"]),
            ("qctl validate (one step)", ["validate", tiny]),
            ("qctl status (missing run)", ["status", "no-such-run", "--redis", redisURL]),
        ]
        var figures: [BenchmarkFigure] = []
        for call in calls {
            let runs = 20
            _ = try await ChildCommand.output(of: qctl, call.arguments)
            let before = childrenCPU()
            for _ in 0..<runs { _ = try await ChildCommand.output(of: qctl, call.arguments) }
            let perCall = (childrenCPU() - before) / Double(runs)
            figures.append(BenchmarkFigure(
                name: "\(call.name), CPU", value: perCall * 1000, unit: "ms",
                note: "user + system, mean of \(runs); target ≤ 3 ms: \(perCall <= 0.003 ? "met" : "MISSED")"))
        }
        return figures
    }

    /// Seconds of CPU used by the waited-for children so far.
    private static func childrenCPU() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
