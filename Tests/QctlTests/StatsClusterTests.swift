import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// `qctl stats` and `qctl why` on real processes: a run whose pool saturates and whose `fetch`
/// step times out twice before it succeeds, then a run whose tasks wait for each reason `why`
/// tells apart (a full pool, a backoff, a queue no worker serves, a dependency).
@Suite("qctl stats and why (real coordinator, worker and qctl)", .serialized)
struct StatsClusterTests {
    private static func environment(_ cluster: ProcessCluster) -> [String: String] {
        ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
    }

    struct Timeout: Error, CustomStringConvertible { let description: String }

    /// Polls the run until `condition` holds (or fails the test after `timeout`).
    private static func waitFor(
        _ run: String, _ cluster: ProcessCluster, timeout: Duration = .seconds(60), _ condition: (RunSnapshot) -> Bool
    ) async throws -> RunSnapshot {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let snapshot = try await cluster.queue.runSnapshot(run), condition(snapshot) { return snapshot }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Timeout(description: "run \(run) did not get there within \(timeout)\n\(cluster.logs)")
    }

    private static func json(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test(.timeLimit(.minutes(3)))
    func statsOfARunWithAFullPoolAndTimeoutRetries() async throws {
        try await withProcessCluster(namespace: "st") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "4"], name: "worker")
            let directory = try temporaryDirectory()
            let file = try temporaryFile("stats.yaml", """
                name: stats-demo
                parallel: { resources: { db: 1 } }
                steps:
                  - id: load
                    matrix: { n: [1, 2, 3] }
                    resource: db
                    run: [sleep, "1"]
                  - id: fetch
                    timeout: 1s
                    retries: { max: 3, backoff: fixed, initial: 100ms }
                    circuitBreaker: { failures: 5, window: 1m, cooldown: 10s, key: upstream }
                    run: ["sh", "-c", "n=$(cat \(directory)/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > \(directory)/n; [ $n -ge 3 ] || sleep 10"]
                  - { id: report, dependsOn: [load, fetch], run: [echo, done] }
                """)
            let env = Self.environment(cluster)
            let submitted = try await qctl("submit", file, "--run-id", "st1", environment: env)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let finished = try await Self.waitFor("st1", cluster) { $0.isFinished }
            #expect(finished.state == "succeeded", "\(cluster.logs)")

            let result = try await qctl("stats", "st1", "--json", environment: env)
            #expect(result.status == 0, "\(result.stderr)")
            let stats = try #require(try Self.json(result.stdout) as? [String: Any])
            for key in ["wallSeconds", "criticalPath", "parallelEfficiency", "peakConcurrency", "steps", "pools", "recommendations"] {
                #expect(stats[key] != nil, "missing \(key)")
            }
            let wall = try #require(stats["wallSeconds"] as? Double)
            #expect(wall >= 3, "three 1 s tasks through a pool of 1 take 3 s at least")
            let efficiency = try #require(stats["parallelEfficiency"] as? Double)
            #expect(efficiency > 0 && efficiency <= 1)
            let peak = try #require(stats["peakConcurrency"] as? Int)
            #expect(peak >= 2 && peak <= 4, "a load task and fetch ran together; at most 4 slots")

            let steps = try #require(stats["steps"] as? [[String: Any]])
            let fetch = try #require(steps.first { $0["step"] as? String == "fetch" })
            #expect(fetch["retries"] as? Int == 2)
            #expect(fetch["retriesAfterTimeout"] as? Int == 2)
            #expect(fetch["failures"] as? Int == 0)
            let load = try #require(steps.first { $0["step"] as? String == "load" })
            #expect(load["tasks"] as? Int == 3)
            #expect((load["runSecondsP50"] as? Double ?? 0) >= 1)
            #expect((load["queueWaitSecondsMax"] as? Double ?? 0) >= 1.5, "the third load task waited for two others")

            let pools = try #require(stats["pools"] as? [[String: Any]])
            let db = try #require(pools.first { $0["limit"] as? String == "pool:db" })
            #expect(db["size"] as? Int == 1)
            #expect((db["parkedSeconds"] as? Double ?? 0) >= 2, "waits of about 1 s and 2 s, less the gaps between one load and the next")
            #expect((db["fullFraction"] as? Double ?? 0) >= 0.5)

            let paths = try #require(stats["criticalPath"] as? [String: Any])
            let actual = try #require(paths["actual"] as? [String: Any])
            #expect((actual["tasks"] as? [String])?.last == "report")

            let recommendations = try #require(stats["recommendations"] as? [String])
            #expect(recommendations.contains("2 of 2 retries of `fetch` followed timeouts: raise its timeout"), "\(recommendations)")
            #expect(recommendations.contains { $0.hasPrefix("pool `db` was full ") && $0.hasSuffix(": raise its size or lower `maxConcurrency` elsewhere") },
                    "\(recommendations)")
            #expect(stats["eta"] is NSNull, "a finished run has no ETA")
            let breakers = try #require(stats["breakers"] as? [[String: Any]])
            #expect(breakers.count == 1)
            #expect(breakers.first?["key"] as? String == "upstream")
            #expect(breakers.first?["failedAttempts"] as? Int == 2, "both timeouts counted at the breaker")
            #expect(breakers.first?["state"] as? String == "closed", "2 failures of the 5 that open it")

            let text = try await qctl("stats", "st1", environment: env)
            #expect(text.status == 0)
            #expect(text.stdout.contains("critical path, actual:") && text.stdout.contains("recommendations:"), "\(text.stdout)")

            let unknown = try await qctl("stats", "nope", environment: env)
            #expect(unknown.status == 1 && unknown.stderr.contains("no run 'nope'"))
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func whyTellsEachWaitApart() async throws {
        try await withProcessCluster(namespace: "wy") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "4"], name: "worker")
            let file = try temporaryFile("why.yaml", """
                name: why-demo
                parallel: { resources: { db: 1 } }
                steps:
                  - { id: hold-a, resource: db, run: [sleep, "60"] }
                  - { id: hold-b, resource: db, run: [sleep, "60"] }
                  - { id: flaky, run: [sh, -c, "exit 3"], retries: { max: 3, backoff: fixed, initial: 10m } }
                  - { id: orphan, queue: nowhere, run: [echo, x] }
                  - { id: after, dependsOn: [orphan], run: [echo, y] }
                  - { id: probe, run: [echo, no] }
                  - { id: only-if-yes, dependsOn: [probe], if: "steps.probe.output == 'yes'", run: [echo, z] }
                  - { id: sign-off, type: approval, approvers: [alice] }
                """)
            let env = Self.environment(cluster)
            let submitted = try await qctl("submit", file, "--run-id", "wy1", environment: env)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let snapshot = try await Self.waitFor("wy1", cluster) { run in
                let states = Dictionary(uniqueKeysWithValues: run.tasks.map { ($0["id"] ?? "", $0) })
                return [states["hold-a"]?["state"], states["hold-b"]?["state"]].compactMap { $0 }.sorted() == ["ready", "running"]
                    && states["flaky"]?["retryAt"] != nil && states["only-if-yes"]?["state"] == "skipped"
                    && states["sign-off"]?["state"] == "ready"
            }
            let running = try #require(snapshot.tasks.first { $0["state"] == "running" && ($0["id"] ?? "").hasPrefix("hold") }?["id"])
            let parked = running == "hold-a" ? "hold-b" : "hold-a"

            let whyParked = try await qctl("why", "wy1", parked, "--json", environment: env)
            #expect(whyParked.status == 0, "\(whyParked.stderr)")
            let parkedAnswer = try #require((try Self.json(whyParked.stdout) as? [[String: Any]])?.first)
            #expect(parkedAnswer["reason"] as? String == "parked", "\(whyParked.stdout)")
            #expect(parkedAnswer["limit"] as? String == "pool:db")
            #expect(parkedAnswer["heldBy"] as? [String] == ["wy1/\(running)"])

            let whole = try await qctl("why", "wy1", "--json", environment: env)
            #expect(whole.status == 0, "\(whole.stderr)")
            let answers = try #require(try Self.json(whole.stdout) as? [[String: Any]])
            let reasons = Dictionary(uniqueKeysWithValues: answers.map { ($0["task"] as? String ?? "", $0["reason"] as? String ?? "") })
            #expect(reasons["flaky"] == "backing_off", "\(whole.stdout)")
            #expect(reasons["orphan"] == "no_worker", "\(whole.stdout)")
            #expect(reasons["after"] == "dependencies", "\(whole.stdout)")
            #expect(reasons[running] == "running")
            #expect(reasons[parked] == "parked")
            #expect(reasons["sign-off"] == "awaiting", "\(whole.stdout)")
            #expect(reasons["only-if-yes"] == nil, "a skipped task is finished: left out of the whole-run answer")
            let skipped = try await qctl("why", "wy1", "only-if-yes", environment: env)
            #expect(skipped.status == 0)
            #expect(skipped.stdout.contains("skipped: condition false"), "\(skipped.stdout)")
            let after = try #require(answers.first { $0["task"] as? String == "after" })
            #expect(after["waitingOn"] as? [String] == ["orphan"])

            let text = try await qctl("why", "wy1", "orphan", environment: env)
            #expect(text.status == 0)
            #expect(text.stdout.contains("no live worker serves that queue"), "\(text.stdout)")

            // A run still going has an ETA: its remaining critical path priced with learned
            // durations (here: 60 s for each holder, as if learned from earlier runs).
            _ = try await cluster.queue.redis.send([
                "HSET", .string(cluster.queue.keys.durationEstimates(workflow: "why-demo")), "hold-a", "60000", "hold-b", "60000",
            ])
            let stats = try await qctl("stats", "wy1", "--json", environment: env)
            let document = try #require(try Self.json(stats.stdout) as? [String: Any])
            let eta = try #require(document["eta"] as? [String: Any], "\(stats.stdout)")
            let remaining = try #require(eta["remainingSeconds"] as? Double)
            // The chains are single tasks: the longest is the parked holder's 60 s (the running
            // one has less left); the ETA prices dependencies, not the pool's queue.
            #expect(remaining > 50 && remaining <= 60, "\(remaining)")
            #expect(eta["unestimatedSteps"] as? [String] == ["after", "flaky", "orphan", "sign-off"])

            // The live view shows it too.
            let watch = try QctlProcess(["watch", "wy1"], environment: env)
            let shown = await watch.waitForOutput("ETA: about", timeout: .seconds(30))
            _ = await watch.wait(timeout: .zero)
            #expect(shown, "\(watch.stdoutSoFar)")

            let unknownTask = try await qctl("why", "wy1", "nope", environment: env)
            #expect(unknownTask.status == 1 && unknownTask.stderr.contains("no task 'nope'"))
            _ = try await qctl("cancel", "wy1", environment: env)
            let canceled = try await qctl("why", "wy1", "--json", environment: env)
            #expect(canceled.status == 0)
            let afterCancel = try #require(try Self.json(canceled.stdout) as? [[String: Any]])
            #expect(afterCancel.allSatisfy { ["run_canceling", "run_finished"].contains($0["reason"] as? String ?? "") }, "\(canceled.stdout)")
        }
    }
}
