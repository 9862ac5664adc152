import Foundation
import QrewQueue
import QrewRedis
import Testing

/// `/metrics` of real qrew-coordinator and qrew-worker processes, scraped and parsed with the
/// Prometheus text parser of the PyPI package `prometheus-client` (`make test` and CI install
/// it): counters rise after a run, the leader's queue gauges match Redis, a standby exports
/// none of them, and a taken port stops a worker with a clear message (heavy: a cluster per
/// test; in the Makefile's CLUSTER_SUITES).
@Suite("metrics on a cluster", .serialized)
struct MetricsClusterTests {
    /// Two succeeding steps, one step that fails twice (one retry) into the dead-letter list,
    /// one step holding a pool slot; then a run on a queue no worker serves, whose tasks stay ready.
    @Test func countersRiseAndGaugesMatchAfterARun() async throws {
        try await withProcessCluster(namespace: "metrics") { cluster in
            let leaderPort = try RedisServerProcess.freeLoopbackPort()
            let standbyPort = try RedisServerProcess.freeLoopbackPort()
            let workerPort = try RedisServerProcess.freeLoopbackPort()
            try cluster.start(
                "qrew-coordinator", ["--id", "c1", "--metrics-port", "\(leaderPort)", "--metrics-sample-interval", "300ms"],
                name: "c1")
            let leader = try await Self.scrape(leaderPort) { $0.value(MetricNames.leader) == 1 }
            #expect(leader.value(MetricNames.leadershipChanges, ["to": "leader"]) == 1)
            try cluster.start(
                "qrew-coordinator", ["--id", "c2", "--metrics-sample-interval", "300ms"], name: "c2",
                environment: ["QREW_METRICS_PORT": "\(standbyPort)"])
            try cluster.start(
                "qrew-worker", ["--name", "w1", "--concurrency", "3", "--metrics-port", "\(workerPort)"], name: "w1")
            let idle = try await Self.scrape(workerPort) { $0.value(MetricNames.slots) == 3 }
            #expect(idle.value(MetricNames.runningTasks) == 0)
            #expect(idle.value(MetricNames.claims) ?? 0 == 0)

            let file = try temporaryFile("metrics.yaml", """
                name: metrics
                parallel: { resources: { db: 1 } }
                steps:
                  - { id: a, type: echo, with: { message: a } }
                  - { id: b, type: echo, with: { message: b }, resource: db }
                  - { id: broken, type: fail, retries: { max: 1, initial: 100ms } }
                  - { id: after, type: echo, with: { message: c }, dependsOn: [a] }
                """)
            let env = ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
            let submitted = try await qctl("submit", file, "--run-id", "m-1", environment: env)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let run = try await cluster.queue.waitForRun("m-1", timeout: .seconds(60)) { $0.isFinished }
            #expect(run.state == "failed", "\(run.fields)\n\(cluster.logs)")

            // The worker: 3 successes and 1 final failure recorded, 1 retry, 5 attempts timed.
            let worker = try await Self.scrape(workerPort) {
                $0.value(MetricNames.tasksFinished, ["queue": "default", "state": "failed"]) == 1
                    && $0.value(MetricNames.runningTasks) == 0
            }
            #expect(worker.value(MetricNames.tasksFinished, ["queue": "default", "state": "succeeded"]) == 3)
            #expect(worker.value(MetricNames.retries, ["queue": "default", "outcome": "failed"]) == 1)
            #expect(worker.value(MetricNames.taskRunDuration + "_count", ["queue": "default"]) == 5)
            #expect(worker.value(MetricNames.taskQueueWait + "_count", ["queue": "default"]) == 5)
            let claims = try #require(worker.value(MetricNames.claims))
            #expect(claims >= 1 && claims <= 5)
            #expect(worker.value(MetricNames.claimBatchSize + "_count") == claims)
            #expect(worker.value(MetricNames.claimBatchSize + "_sum") == 5)
            #expect(worker.value(MetricNames.slots) == 3)

            // A run whose 2 tasks wait on a queue nobody serves.
            let stuck = try temporaryFile("stuck.yaml", """
                name: stuck
                defaults: { queue: nobody }
                steps:
                  - { id: x, type: echo, with: { message: x } }
                  - { id: y, type: echo, with: { message: y } }
                """)
            #expect(try await qctl("submit", stuck, "--run-id", "m-2", environment: env).status == 0)

            // The leader: queue gauges sampled from Redis, and its own counters.
            let sampled = try await Self.scrape(leaderPort) {
                $0.value(MetricNames.readyTasks, ["queue": "nobody"]) == 2 && $0.value(MetricNames.runs, ["state": "failed"]) == 1
            }
            #expect(sampled.value(MetricNames.readyTasks, ["queue": "default"]) == 0)
            #expect(sampled.value(MetricNames.runs, ["state": "queued"]) == 1)
            #expect(sampled.value(MetricNames.deadLetters) == 1)
            #expect(sampled.value(MetricNames.poolSize, ["pool": "db"]) == 1)
            #expect(sampled.value(MetricNames.poolInFlight, ["pool": "db"]) == 0)
            #expect(sampled.value(MetricNames.poolParked, ["pool": "db"]) == 0)
            #expect(sampled.value(MetricNames.leasedTasks) == 0)
            #expect(sampled.value(MetricNames.liveWorkers) == 1)
            #expect(sampled.value(MetricNames.submissions, ["outcome": "queued"]) == 2)
            #expect(sampled.value(MetricNames.intakeLatency + "_count") == 2)
            #expect(sampled.value(MetricNames.leader) == 1)

            // The standby serves its own metrics but none of the queue gauges.
            let standby = try await Self.scrape(standbyPort) { _ in true }
            #expect(standby.value(MetricNames.readyTasks, ["queue": "nobody"]) == nil)
            #expect(standby.value(MetricNames.deadLetters) == nil)
            #expect(standby.value(MetricNames.leader) == 0)
        }
    }

    /// A second worker asked to serve metrics on a port already taken exits non-zero at once,
    /// saying so and how to fix it; a bad port number is refused before anything starts.
    @Test func aTakenOrBadPortStopsTheWorkerWithAClearMessage() async throws {
        try await withProcessCluster(namespace: "metrics-port") { cluster in
            let port = try RedisServerProcess.freeLoopbackPort()
            try cluster.start("qrew-worker", ["--name", "w1", "--metrics-port", "\(port)"], name: "w1")
            _ = try await Self.scrape(port) { $0.value(MetricNames.slots) != nil }
            let second = try cluster.start("qrew-worker", ["--name", "w2", "--metrics-port", "\(port)"], name: "w2")
            let status = await second.waitForExit(timeout: .seconds(30))
            #expect(status.map(SpawnedProcess.exitCode) ?? 0 != 0, "\(cluster.logs)")
            #expect(second.logTail(lines: 5).contains("port is already in use"), "\(second.logTail(lines: 5))")

            let bad = try cluster.start("qrew-worker", ["--name", "w3", "--metrics-port", "70000"], name: "w3")
            let badStatus = await bad.waitForExit(timeout: .seconds(30))
            #expect(badStatus.map(SpawnedProcess.exitCode) == 2, "\(bad.logTail(lines: 5))")
            #expect(bad.logTail(lines: 5).contains("expected a port number from 1 to 65535"), "\(bad.logTail(lines: 5))")
        }
    }

    /// `qctl dev --metrics-port P`: the coordinator serves on P, worker 1 on P + 1, and the
    /// header says where.
    @Test func devServesMetricsFromItsCoordinatorAndWorkers() async throws {
        let port = try RedisServerProcess.freeLoopbackPort()
        let file = try temporaryFile("dev.yaml", "name: dev\nsteps:\n  - { id: wait, type: sleep, with: { duration: 3s } }\n")
        let dev = try QctlProcess(["dev", file, "--workers", "1", "--metrics-port", "\(port)"])
        #expect(await dev.waitForOutput("metrics http://127.0.0.1:\(port + 1)/metrics"), "\(dev.stdoutSoFar)\n\(dev.stderrSoFar)")
        let worker = try await Self.scrape(port + 1) { $0.value(MetricNames.runningTasks) == 1 }
        #expect(worker.value(MetricNames.runningTasks) == 1)
        let coordinator = try await Self.scrape(port) { $0.value(MetricNames.leader) == 1 }
        #expect(coordinator.value(MetricNames.submissions, ["outcome": "queued"]) == 1)
        let result = await dev.wait(timeout: .seconds(60))
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
    }

    /// Scrapes `http://127.0.0.1:<port>/metrics` until `condition` holds (20 s at most; the
    /// last scrape is returned either way, so a failed expectation shows what was there).
    static func scrape(_ port: Int, until condition: (Scrape) -> Bool) async throws -> Scrape {
        guard let python = SpawnedProcess.findExecutable("python3") else {
            throw ScrapeError(message: "python3 is not installed; `make test` installs it with prometheus-client")
        }
        let deadline = ContinuousClock.now + .seconds(20)
        var last = Scrape(samples: [])
        var lastError = ""
        while ContinuousClock.now < deadline {
            let result = await (try QctlProcess(["-c", parser, "http://127.0.0.1:\(port)/metrics"], executable: python)).wait()
            if result.status == 0, let data = result.stdout.data(using: .utf8),
               let rows = try? JSONDecoder().decode([Scrape.Sample].self, from: data) {
                last = Scrape(samples: rows)
                if condition(last) { return last }
            } else {
                lastError = result.stderr
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        if last.samples.isEmpty { throw ScrapeError(message: "no scrape of port \(port) succeeded: \(lastError)") }
        return last
    }

    /// Fetches the URL and prints every sample as JSON: `[{"name", "labels", "value"}]`.
    static let parser = """
        import json, sys, urllib.request
        from prometheus_client.parser import text_string_to_metric_families
        text = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
        rows = [{"name": s.name, "labels": s.labels, "value": s.value}
                for family in text_string_to_metric_families(text) for s in family.samples]
        print(json.dumps(rows))
        """

    struct ScrapeError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// One parsed scrape.
    struct Scrape: Sendable {
        struct Sample: Decodable, Sendable {
            let name: String
            let labels: [String: String]
            let value: Double
        }

        let samples: [Sample]

        /// The value of the sample `name` with exactly `labels`, or nil when there is none.
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { $0.name == name && $0.labels == labels }?.value
        }
    }
}
