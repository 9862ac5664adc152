import Foundation
import QrewCore
import QrewQueue
import QrewRedis

/// Figure (l): the Redis time of figure (a)'s hot path per task, script by script, from
/// `INFO commandstats` on a private redis-server. Figure (a)'s run (10,000 independent echo
/// tasks, prepared by the coordinator's own intake) is stored with `submit_run` / `store_tasks`,
/// then claimed in calls of `batch` tasks and completed in calls of `batch` results (each with
/// the output an echo task sends), one phase after another, so each phase's EVALSHA time is one
/// script's. Redis runs scripts on one thread, so one Redis core's ceiling in tasks/s is 10⁶
/// over the sum of the three. `INFO commandstats` counts wall time inside Redis, which grows when
/// a loaded machine takes the core away mid-script: each figure is the best of `rounds`, and its
/// note gives Redis's main-thread CPU time too, which does not count such waits.
enum LuaCostBenchmark {
    static let tasks = 10_000
    /// Tasks per claim and results per complete: what a busy worker of 128 slots sends.
    static let batch = 128
    /// Rounds (a fresh run each); each script's figure is its best round, the one the machine's
    /// load disturbed least.
    static let rounds = 3

    static func run(server: RedisServerProcess) async throws -> [BenchmarkFigure] {
        let configuration = try RedisConfiguration(url: server.url)
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: "lua"), scripts: try ScriptLibrary.bundled.get())
        guard let fence = try await queue.acquireLeadership(coordinatorID: "bench", lease: .seconds(3600)) else {
            throw BenchmarkFailed(description: "Lua time: could not take the leader lease")
        }
        // Warm-up: every script the phases use loaded (the first EVALSHA of each fails with NOSCRIPT).
        _ = try await measureRound(queue, fence: fence, runID: "warm", tasks: 2)
        var best: [Phase] = []
        for round in 1...rounds {
            let phases = try await measureRound(queue, fence: fence, runID: "lua\(round)", tasks: tasks)
            best = best.isEmpty ? phases : zip(best, phases).map { $0.micros <= $1.micros ? $0 : $1 }
        }

        func figure(_ phase: Phase) -> BenchmarkFigure {
            BenchmarkFigure(
                name: "(l) Redis Lua time per task, \(phase.name)", value: Double(phase.micros) / Double(tasks), unit: "µs",
                note: String(format: "%d calls, %.0f µs per call (INFO commandstats, EVALSHA); Redis main thread CPU %.1f µs per task",
                             phase.calls, Double(phase.micros) / Double(max(phase.calls, 1)), phase.cpuMicros / Double(tasks)))
        }
        let total = Double(best.map(\.micros).reduce(0, +)) / Double(tasks)
        return best.map(figure) + [
            BenchmarkFigure(
                name: "(l) Redis Lua time per task, all three", value: total, unit: "µs",
                note: String(format: "best of %d rounds per script; one Redis core's ceiling for figure (a): %.0f tasks/s",
                             rounds, 1e6 / total)),
        ]
    }

    /// One script's share of a round: its EVALSHA calls, the µs `INFO commandstats` counted for
    /// them (wall time inside Redis), and the CPU time of Redis's main thread meanwhile.
    struct Phase {
        let name: String
        let calls: Int
        let micros: Int
        let cpuMicros: Double
    }

    /// Stores, claims and completes a run of `tasks` independent echo tasks, each phase measured.
    private static func measureRound(_ queue: QueueClient, fence: String, runID: String, tasks: Int) async throws -> [Phase] {
        // As the coordinator's intake stores it: with a new trace (every run has one).
        let record = try RunIntake().prepare(
            runID: runID, text: Workloads.independent(tasks: tasks), fileName: "independent.yaml", params: [:]).record
            .traced(RunTrace.new())
        let queues = Array(Set(record.tasks.map(\.queue)))
        let redis = queue.redis
        let submit = try await measure(redis, "submit_run + store_tasks") {
            _ = try await queue.submitRun(record, fence: fence)
        }
        var claimed: [ClaimedTask] = []
        claimed.reserveCapacity(tasks)
        let claim = try await measure(redis, "claim (\(batch) a call)") {
            while true {
                let slice = try await queue.claim(worker: "bench-worker", lease: .seconds(600), max: batch, queues: queues)
                if slice.isEmpty { break }
                claimed += slice
            }
        }
        guard claimed.count == tasks else {
            throw BenchmarkFailed(description: "Lua time: claimed \(claimed.count) of \(tasks) tasks")
        }
        let complete = try await measure(redis, "complete (\(batch) a call)") {
            for start in stride(from: 0, to: claimed.count, by: batch) {
                let statuses = try await queue.complete(claimed[start..<min(start + batch, claimed.count)].map(completion))
                guard statuses.allSatisfy({ $0 == .recorded }) else {
                    throw BenchmarkFailed(description: "Lua time: a result was not recorded: \(statuses)")
                }
            }
        }
        let state = try await queue.runFields(runID)?["state"]
        guard state == "succeeded" else {
            throw BenchmarkFailed(description: "Lua time: run \(runID) is \(state ?? "missing") after every result, not succeeded")
        }
        return [submit, claim, complete]
    }

    /// What a worker sends for a claimed echo task: success, its message as the output and as
    /// one stdout line.
    private static func completion(_ task: ClaimedTask) -> TaskCompletion {
        let message = task.ref.description
        return TaskCompletion(
            task: task, outcome: .succeeded, exitCode: nil, output: message, error: nil, retryDelay: nil, stdout: [message])
    }

    /// The EVALSHA calls `body` made, the µs Redis counted for them (`INFO commandstats`) and the
    /// CPU time of Redis's main thread meanwhile (`INFO cpu`; it does not count time Redis waited
    /// for a core, so it varies less with the machine's load).
    private static func measure(_ redis: RedisClient, _ name: String, _ body: () async throws -> Void) async throws -> Phase {
        let before = try await SlowCallBenchmark.scriptStats(redis)
        let cpuBefore = try await mainThreadCPU(redis)
        try await body()
        let cpuAfter = try await mainThreadCPU(redis)
        let after = try await SlowCallBenchmark.scriptStats(redis)
        return Phase(name: name, calls: after.calls - before.calls, micros: after.micros - before.micros,
                     cpuMicros: (cpuAfter - cpuBefore) * 1e6)
    }

    /// Seconds of CPU (user + system) Redis's main thread has used.
    private static func mainThreadCPU(_ redis: RedisClient) async throws -> Double {
        let text = try await redis.send("INFO", "cpu").string ?? ""
        var seconds = 0.0
        for line in text.split(whereSeparator: \.isNewline)
        where line.hasPrefix("used_cpu_user_main_thread:") || line.hasPrefix("used_cpu_sys_main_thread:") {
            seconds += Double(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
        }
        return seconds
    }
}
