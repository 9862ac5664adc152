import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Poison quarantine on the worker side, with real processes: a redis-server, a coordinator (it
/// reaps the leases) and `qrew-worker`s with a 1 s lease. A task that crashes a worker (the
/// test-only fault point `QREW_FAULT_CRASH_ON_TASK` makes the worker trap on it) is reported by
/// the worker's signal handler; the second crash quarantines it. A worker that is SIGKILLed is
/// no evidence against its task, which is retried as before.
@Suite("poison quarantine (real workers crash)", .serialized)
struct QuarantineTests {
    static let namespace = "qq"

    @Test(.timeLimit(.minutes(1)))
    func aTaskThatCrashesTwoWorkersIsQuarantinedAndTheLastWorkerRunsTheNextRun() async throws {
        let marker = "POISON-\(UUID().uuidString.prefix(8))"
        try await withQuarantineCluster(workers: 3, concurrency: 2, environment: ["QREW_FAULT_CRASH_ON_TASK": marker]) { cluster, queue in
            let runID = "poisoned-\(UUID().uuidString.prefix(8))"
            _ = try await queue.enqueueSubmission(runID: runID, fileName: "poisoned.yaml", workflow: """
                name: poisoned
                defaults: { retries: { max: 3, on: [lost, failure], backoff: fixed, initial: 100ms } }
                steps:
                  - id: bad
                    run: [echo, \(marker)]
                    retries: { max: 5, on: [lost, failure], backoff: fixed, initial: 100ms }
                  - { id: fine-1, run: [echo, one] }
                  - { id: fine-2, run: [echo, two] }
                  - { id: fine-3, run: [echo, three] }
                """, params: [:])
            let run = try await queue.waitForRun(runID, timeout: .seconds(20)) { $0.isFinished }
            #expect(run.state == "failed")
            let bad = try #require(run.tasks.first { $0["id"] == "bad" })
            #expect(bad["state"] == "failed")
            #expect(bad["crashes"] == "2")
            #expect(bad["attempt"] == "2", "quarantined on its second attempt, with 4 retries left")
            let quarantine = "quarantined: this task crashed 2 workers while being claimed or run"
            #expect(bad["error"]?.hasPrefix(quarantine) == true, "\(bad["error"] ?? "no error")")
            for task in run.tasks where task["id"] != "bad" {
                #expect(task["state"] == "succeeded", "\(task["id"] ?? "?"): \(task["error"] ?? "")")
                #expect(task["crashes"] == nil, "\(task["id"] ?? "?") was blamed for a crash it did not cause")
            }
            // The first crash is a lost lease that says what happened; the task is retried.
            let events = try await queue.redis.send("XRANGE", .string(queue.keys.runEvents(runID)), "-", "+")
            #expect(Self.strings(in: events).contains { $0.contains("crashed (SIGILL) while claiming or running it") })

            // Exactly two workers crashed, of their own SIGILL (fatalError); the third is alive.
            let deadline = ContinuousClock.now + .seconds(15)
            while cluster.workers.filter({ $0.exited != nil }).count < 2, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let statuses = cluster.workers.map { $0.exited.map(SpawnedProcess.exitCode) }
            #expect(statuses.filter { $0 == 128 + SIGILL }.count == 2, "exit codes: \(statuses)")
            #expect(statuses.filter { $0 == nil }.count == 1, "exit codes: \(statuses)")

            // Where an operator looks: the dead-letter list, with the reason.
            let listed = try await qctl(
                "dlq", "list", "--json", environment: ["QREW_REDIS_URL": cluster.redisURL, "QREW_NAMESPACE": Self.namespace])
            let letters = try JSONDecoder().decode([DeadLetter].self, from: Data(listed.stdout.utf8))
            #expect(letters.map(\.ref) == ["\(runID)/bad"])
            #expect(letters.first?.reason.hasPrefix(quarantine) == true)

            // The surviving worker runs the next run.
            let survivor = try #require(cluster.workers.indices.first { cluster.workers[$0].exited == nil })
            let nextID = "next-\(UUID().uuidString.prefix(8))"
            _ = try await queue.enqueueSubmission(runID: nextID, fileName: "next.yaml", workflow: """
                name: next
                steps:
                  - { id: hello, run: [echo, hello] }
                """, params: [:])
            let next = try await queue.waitForRun(nextID, timeout: .seconds(10)) { $0.isFinished }
            #expect(next.state == "succeeded")
            #expect(next.tasks.first?["worker"] == cluster.workerName(at: survivor))
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aWorkerKilledWhileRunningATaskCountsNoCrashAndTheTaskIsRetried() async throws {
        try await withQuarantineCluster(workers: 2, concurrency: 1, environment: [:]) { cluster, queue in
            let runID = "killed-\(UUID().uuidString.prefix(8))"
            _ = try await queue.enqueueSubmission(runID: runID, fileName: "killed.yaml", workflow: """
                name: killed
                steps:
                  - id: slow
                    run: [sleep, "1"]
                    retries: { max: 3, on: [lost], backoff: fixed, initial: 100ms }
                """, params: [:])
            let running = try await queue.waitForRun(runID, timeout: .seconds(10)) { $0.tasks.first?["state"] == "running" }
            let worker = try #require(running.tasks.first?["worker"])
            let index = try #require(cluster.workers.indices.first { cluster.workerName(at: $0) == worker })
            kill(cluster.workers[index].pid, SIGKILL)

            let run = try await queue.waitForRun(runID, timeout: .seconds(15)) { $0.isFinished }
            #expect(run.state == "succeeded")
            let slow = try #require(run.tasks.first)
            #expect(Int(slow["attempt"] ?? "") ?? 0 >= 2, "retried after the kill: \(slow)")
            #expect(slow["crashes"] == nil, "a SIGKILL was counted as a crash")
            #expect(slow["worker"] != worker)
            #expect(try await queue.deadLetters().isEmpty)
        }
    }

    /// Every string in a reply, nested arrays included.
    static func strings(in reply: RedisReply) -> [String] {
        if let array = reply.array { return array.flatMap(strings(in:)) }
        return reply.string.map { [$0] } ?? []
    }
}

/// Starts a local cluster (its own redis-server, a coordinator, `workers` workers with a 1 s lease
/// and `environment`), waits until every worker heartbeats, runs `body`, and stops it all.
private func withQuarantineCluster(
    workers: Int, concurrency: Int, environment: [String: String],
    _ body: (LocalCluster, QueueClient) async throws -> Void
) async throws {
    let options = LocalCluster.Options(
        binDirectory: LocalCluster.executableDirectory, namespace: QuarantineTests.namespace, workers: workers,
        workerConcurrency: concurrency, workerArguments: ["--lease", "1s"], coordinatorArguments: ["--lease", "1s"],
        environment: environment, tag: "quarantine")
    let cluster = try await LocalCluster.start(options)
    let redis = try RedisClient(url: cluster.redisURL)
    let queue = QueueClient(redis: redis, keys: Keys(prefix: QuarantineTests.namespace), scripts: try ScriptLibrary.bundled.get())
    do {
        let deadline = ContinuousClock.now + .seconds(15)
        while try await redis.send("ZCARD", .string(queue.keys.workers)).int ?? 0 < workers {
            try #require(ContinuousClock.now < deadline, "workers did not start; logs in \(cluster.logDirectory)")
            try await Task.sleep(for: .milliseconds(20))
        }
        try await body(cluster, queue)
    } catch {
        redis.close()
        await cluster.stop(grace: .seconds(2))
        throw error
    }
    redis.close()
    await cluster.stop(grace: .seconds(2))
}
