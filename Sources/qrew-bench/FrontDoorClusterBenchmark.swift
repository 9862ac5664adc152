import Foundation

/// Issue 17's front-door figures through a real cluster, the way a user meets them: the wall
/// time of one `qctl submit FILE --wait` process, from starting it to its exit (qctl's start,
/// parse and submission, the coordinator's intake, every task run, the follower seeing the end).
struct FrontDoorClusterBenchmark: Sendable {
    /// The coordinator's `--max-workflow-bytes` in the cluster benchmark: room for figure (h)'s file.
    static let maxWorkflowBytes = 32 << 20

    let qctl: String
    let redisURL: String
    let namespace: String

    /// Figure (q): `qctl submit --wait` of `tasks` independent no-op tasks (matrix steps of 250),
    /// compared with the peers' "submit N tasks and wait for all" from a fresh client process.
    func submitAndWait(tasks: Int) async throws -> [BenchmarkFigure] {
        let seconds = try await timedSubmission(name: "q", workflow: Workloads.independent(tasks: tasks))
        return [BenchmarkFigure(
            name: "(q) qctl submit --wait, \(tasks.formatted()) no-op tasks", value: seconds, unit: "s",
            note: "one qctl process, start to exit, through the cluster; target ≥ 10× huey's", key: "q")]
    }

    /// Figure (h): a `tasks`-step random DAG of no-op tasks (~2 dependencies each) end to end
    /// through `qctl submit --wait`.
    func bigDAG(tasks: Int) async throws -> [BenchmarkFigure] {
        let workflow = Workloads.randomDAG(tasks: tasks, dependencies: 2)
        let megabytes = Double(workflow.utf8.count) / 1e6
        let seconds = try await timedSubmission(name: "h", workflow: workflow)
        let depth = try Workloads.randomDAGDepth(tasks: tasks, dependencies: 2)
        return [BenchmarkFigure(
            name: "(h) \(tasks.formatted())-task random DAG end to end (\(String(format: "%.1f", megabytes)) MB)", value: seconds,
            unit: "s", note: "qctl submit --wait, start to exit; \(depth) dependency levels, \(String(format: "%.2f", seconds * 1000 / Double(depth))) ms "
                + "per level; target ≤ 4 s", key: "h")]
    }

    /// Seconds from starting `qctl submit FILE --wait` on `workflow` to its successful exit.
    private func timedSubmission(name: String, workflow: String) async throws -> Double {
        guard FileManager.default.isExecutableFile(atPath: qctl) else {
            throw ChildCommand.Failure(description: "\(qctl) not found: build it (make release) before figure (\(name))")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-bench-\(getpid())-\(name).yaml").path
        try workflow.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let runID = "\(name)-\(UInt32.random(in: 0...UInt32.max))"
        let clock = ContinuousClock()
        let started = clock.now
        _ = try await ChildCommand.output(
            of: qctl,
            ["submit", file, "--wait", "--run-id", runID, "--redis", redisURL, "--namespace", namespace, "--pickup-timeout", "60s"],
            showErrors: true, requireSuccess: true)
        return (clock.now - started).seconds
    }
}
