import Foundation
import QrewQueue
import QrewRedis

/// How long the longest single script call holds Redis while a 100,000-task run is canceled,
/// retried and failed under failFast, read from Redis's own `SLOWLOG`: Redis runs one command at
/// a time, so that call is how long every other client (a worker's claim, another run's result)
/// waited behind it. The run is built directly (no workflow parsing) and stored the normal way
/// (`submit_run` + `store_tasks` in slices of 1000) on a private redis-server; this process acts
/// as the coordinator (it calls the housekeeping loop's scripts) and as the one worker that fails
/// the failFast run's first task. The target is a worst call of about 20 ms or less.
enum SlowCallBenchmark {
    static let taskCount = 100_000
    /// Only calls longer than this (µs) are logged: Redis 7 logs the commands a script runs
    /// too, so logging every call would flood the log with a run's worth of HSETs. A script's
    /// own commands take a few µs.
    static let slowerThan = 1000

    struct Measure {
        let worst: Double
        let worstScript: String
        let mean: Double
        let calls: Int
        let total: Duration
    }

    static func run(server: RedisServerProcess) async throws -> [BenchmarkFigure] {
        let configuration = try RedisConfiguration(url: server.url)
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        let scripts = try ScriptLibrary.bundled.get()
        let queue = QueueClient(redis: redis, keys: Keys(prefix: "slow"), scripts: scripts)
        guard let fence = try await queue.acquireLeadership(coordinatorID: "bench", lease: .seconds(3600)) else {
            throw BenchmarkFailed(description: "slow calls: could not take the leader lease")
        }
        let names = Dictionary(uniqueKeysWithValues: ScriptLibrary.Operation.allCases.map { (scripts[$0].sha1, $0.rawValue) })
        _ = try await redis.send("CONFIG", "SET", "slowlog-max-len", "100000")
        _ = try await redis.send("CONFIG", "SET", "slowlog-log-slower-than", .int(slowerThan))

        // Cancel a stored run none of whose tasks ran, then retry it (every task is reset).
        _ = try await queue.submitRun(record("cancel", failFast: false), fence: fence)
        let cancel = try await measure(queue, names: names) {
            _ = try await queue.cancelRun("cancel", reason: "benchmark")
            try await maintain(queue, fence: fence)
        }
        try await expect(queue, "cancel", state: "canceled")
        let retry = try await measure(queue, names: names) {
            _ = try await queue.retryRun("cancel", fresh: false)
            try await maintain(queue, fence: fence)
        }
        try await expect(queue, "cancel", state: "running")

        // A failFast run whose first task fails: its 49,999 dependents are skipped, the other
        // 50,000 tasks canceled.
        _ = try await queue.submitRun(record("failfast", failFast: true), fence: fence)
        let failing = try await queue.claim(worker: "bench", lease: .seconds(600), max: 1, queues: ["failfast"])
        guard let first = failing.first, first.ref.description == "failfast/a" else {
            throw BenchmarkFailed(description: "slow calls: claimed \(failing.map(\.ref.description)) instead of task a")
        }
        let failFast = try await measure(queue, names: names) {
            _ = try await queue.complete(first, outcome: .failed, exitCode: 1, output: "", error: "benchmark", retryDelay: nil)
            try await maintain(queue, fence: fence)
        }
        try await expect(queue, "failfast", state: "failed")

        func figure(_ name: String, _ measure: Measure) -> BenchmarkFigure {
            BenchmarkFigure(
                name: name, value: measure.worst, unit: "ms",
                note: String(format: "worst call %@, mean %.1f ms; %d script calls, %.0f ms in all; target ≤ 20 ms",
                    measure.worstScript, measure.mean, measure.calls, measure.total.seconds * 1000))
        }
        return [
            figure("(s) cancel a 100,000-task run, worst call", cancel),
            figure("(s) retry it (every task reset), worst call", retry),
            figure("(s) failFast: first task fails, worst call", failFast),
        ]
    }

    /// What the coordinator's housekeeping loop does next: `sweep_runs` until no run has work
    /// left for later calls (a failFast cancellation the failing result began).
    private static func maintain(_ queue: QueueClient, fence: String) async throws {
        while try await queue.sweepRuns(fence: fence).more {}
    }

    /// Runs `body` with a fresh SLOWLOG and returns its longest script call, and the number of
    /// script calls and their mean time (`INFO commandstats`), and the wall time.
    private static func measure(
        _ queue: QueueClient, names: [String: String], _ body: () async throws -> Void
    ) async throws -> Measure {
        let redis = queue.redis
        _ = try await redis.send("SLOWLOG", "RESET")
        let before = try await scriptStats(redis)
        let clock = ContinuousClock()
        let start = clock.now
        try await body()
        let total = start.duration(to: clock.now)
        let after = try await scriptStats(redis)
        var worst = 0
        var worstScript = "none over \(slowerThan / 1000) ms"
        for entry in try await redis.send("SLOWLOG", "GET", "-1").array ?? [] {
            guard let fields = entry.array, fields.count >= 4, let micros = fields[2].int,
                  let command = fields[3].array?.compactMap(\.string), let verb = command.first?.uppercased(),
                  verb == "EVALSHA" || verb == "EVAL", micros > worst
            else { continue }
            worst = micros
            worstScript = command.count > 1 ? names[command[1]] ?? "a script" : "a script"
        }
        let calls = after.calls - before.calls
        let mean = calls > 0 ? Double(after.micros - before.micros) / Double(calls) / 1000 : 0
        return Measure(worst: Double(worst) / 1000, worstScript: worstScript, mean: mean, calls: calls, total: total)
    }

    /// EVALSHA and EVAL calls served so far and the µs they took (`INFO commandstats`), not
    /// counting failed ones (the first EVALSHA of a script not loaded yet fails with NOSCRIPT
    /// and is sent again).
    static func scriptStats(_ redis: RedisClient) async throws -> (calls: Int, micros: Int) {
        let info = try await redis.send("INFO", "commandstats").string ?? ""
        var calls = 0
        var micros = 0
        for line in info.split(whereSeparator: \.isNewline)
        where line.hasPrefix("cmdstat_evalsha:") || line.hasPrefix("cmdstat_eval:") {
            calls += count(line, "calls=") - count(line, "failed_calls=")
            micros += count(line, "usec=")
        }
        return (calls, micros)
    }

    private static func count(_ line: Substring, _ field: String) -> Int {
        guard let range = line.range(of: "," + field) ?? line.range(of: ":" + field) else { return 0 }
        return Int(line[range.upperBound...].prefix { $0.isNumber }) ?? 0
    }

    private static func expect(_ queue: QueueClient, _ run: String, state: String) async throws {
        let actual = try await queue.runFields(run)?["state"]
        guard actual == state else {
            throw BenchmarkFailed(description: "slow calls: run \(run) is \(actual ?? "missing"), expected \(state)")
        }
    }

    /// 100,000 tasks on the queue named after the run: `a` (the best priority) with 49,999
    /// dependents, and 5,000 chains of 10.
    static func record(_ runID: String, failFast: Bool) -> RunRecord {
        let spec = #"{"type":"echo"}"#
        func task(_ id: String, priority: Int, deps: Int, dependents: [String]) -> TaskRecord {
            TaskRecord(
                id: id, step: id.hasPrefix("c") ? "chain" : id == "a" ? "a" : "fan", queue: runID, priority: priority,
                deps: deps, dependents: dependents, limits: [], refs: [], spec: spec, maxAttempts: 1, continueOnError: false)
        }
        let fan = (1..<50_000).map { "f\($0)" }
        var tasks = [task("a", priority: 100, deps: 0, dependents: fan)]
        tasks.reserveCapacity(taskCount)
        tasks += fan.map { task($0, priority: 10, deps: 1, dependents: []) }
        for chain in 0..<5_000 {
            for link in 0..<10 {
                tasks.append(task(
                    "c\(chain)-\(link)", priority: 10, deps: link == 0 ? 0 : 1,
                    dependents: link == 9 ? [] : ["c\(chain)-\(link + 1)"]))
            }
        }
        return RunRecord(
            runID: runID, fields: ["name": runID, "failFast": failFast ? "true" : "false", "retention": "3600000"],
            limits: [:], tasks: tasks)
    }
}

struct BenchmarkFailed: Error, CustomStringConvertible {
    let description: String
}
