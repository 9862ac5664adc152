import Foundation
import QrewCore
import QrewQueue
import Testing

/// `submit`, `status`, `watch`, `logs`, `cancel`, `list` and `workers` against a real
/// redis-server and an in-process coordinator, the test playing the worker.
@Suite("qctl run commands", .serialized)
struct RunCommandTests {
    @Test func submitPrintsARunIDAndTheRunExists() async throws {
        try await withCluster { cluster in
            let result = try await qctl("submit", try temporaryFile("small.yaml", smallWorkflow), environment: cluster.environment)
            #expect(result.status == 0, "\(result.stderr)")
            let id = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.hasPrefix("small-"))
            #expect(id.wholeMatch(of: /small-\d{8}-\d{6}-[0-9a-f]{4}/) != nil)
            let snapshot = try #require(try await cluster.queue.runSnapshot(id))
            #expect(snapshot.tasks.count == 4)

            let json = try await qctl(
                "submit", "--json", "--run-id", "chosen-1", "--redis", cluster.server.url, "--namespace", ClusterHarness.namespace,
                try temporaryFile("small.yaml", smallWorkflow))
            #expect(json.status == 0, "\(json.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String]
            #expect(object == ["id": "chosen-1"])
            #expect(try await cluster.queue.runFields("chosen-1") != nil)
        }
    }

    @Test func anInvalidFileNeverReachesRedis() async throws {
        try await withCluster(coordinator: false) { cluster in
            let bad = "name: x\nsteps:\n  - { id: a, run: [echo], dependsOn: [nope] }\n"
            let result = try await qctl("submit", try temporaryFile("bad.yaml", bad), environment: cluster.environment)
            #expect(result.status == 1)
            #expect(result.stdout.contains("unknown step 'nope'"))
            #expect(try await cluster.queue.redis.send("DBSIZE").int == 0)
        }
    }

    @Test func submitWithoutACoordinatorSaysSo() async throws {
        try await withCluster(coordinator: false) { cluster in
            let process = try QctlProcess(
                ["submit", "--pickup-timeout", "500ms", try temporaryFile("small.yaml", smallWorkflow)], environment: cluster.environment)
            let result = await process.wait(timeout: .seconds(10))
            #expect(result.status == 1)
            #expect(result.stderr.contains("no coordinator seems to be running for namespace 'qt'"))
        }
    }

    @Test func eventsLeftByAnOldRunOfTheSameIDDoNotSpinTheWait() async throws {
        try await withCluster(coordinator: false) { cluster in
            // A progress stream without its run hash (an expired run's leftovers): the wait's
            // blocking read returns at once each time, so it falls back to polling.
            _ = try await cluster.queue.redis.send("XADD", .string(cluster.queue.keys.runEvents("old")), "*", "type", "run_queued")
            let before = try await Self.commandsProcessed(cluster)
            let result = try await qctl(
                "submit", "--pickup-timeout", "500ms", "--run-id", "old", try temporaryFile("small.yaml", smallWorkflow),
                environment: cluster.environment)
            #expect(result.status == 1)
            #expect(result.stderr.contains("no coordinator seems to be running"), "\(result.stderr)")
            let commands = try await Self.commandsProcessed(cluster) - before
            #expect(commands < 200, "\(commands) commands in 500 ms: the wait spun")
        }
    }

    private static func commandsProcessed(_ cluster: ClusterHarness) async throws -> Int {
        let info = try await cluster.queue.redis.send("INFO", "stats").string ?? ""
        let line = info.split(separator: "\r\n").first { $0.hasPrefix("total_commands_processed:") } ?? ""
        return Int(line.split(separator: ":").last ?? "") ?? 0
    }

    @Test func submitWaitExitsWithTheRunsOutcome() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("small.yaml", smallWorkflow)
            let good = try QctlProcess(["submit", "--wait", "--run-id", "good", file], environment: cluster.environment)
            try await cluster.work("good")
            let goodResult = await good.wait()
            #expect(goodResult.status == 0, "\(goodResult.stderr)")
            #expect(goodResult.stdout == "good\n")

            let bad = try QctlProcess(["submit", "--wait", "--run-id", "bad", file], environment: cluster.environment)
            try await cluster.work("bad") { $0 == "b" ? .failed : .succeeded }
            let badResult = await bad.wait()
            #expect(badResult.status == 1)
            #expect(try await cluster.queue.runFields("bad")?["state"] == "failed")
        }
    }

    @Test func statusJSONFollowsTheContract() async throws {
        try await withCluster { cluster in
            _ = try await qctl("submit", "--run-id", "r1", try temporaryFile("small.yaml", smallWorkflow), environment: cluster.environment)
            try await cluster.work("r1") { $0 == "b" ? .failed : .succeeded }
            let result = try await qctl("status", "--json", "r1", environment: cluster.environment)
            #expect(result.status == 0, "\(result.stderr)")
            let run = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(Set(run.keys) == [
                "id", "name", "state", "createdAt", "startedAt", "finishedAt", "error", "cache", "throttles", "traceId", "parent",
                "children", "tasks",
            ])
            #expect((run["cache"] as? [String: Int]) == ["hits": 0, "misses": 0])
            #expect(run["id"] as? String == "r1")
            #expect(run["name"] as? String == "small")
            #expect(run["state"] as? String == "failed")
            let rfc3339 = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/
            for key in ["createdAt", "startedAt", "finishedAt"] {
                #expect((run[key] as? String)?.wholeMatch(of: rfc3339) != nil, "\(key): \(run[key] ?? "nil")")
            }
            let tasks = try #require(run["tasks"] as? [[String: Any]])
            #expect(tasks.map { $0["id"] as? String } == ["a", "b", "c", "d"])
            let keys: Set<String> = [
                "id", "step", "state", "priority", "attempts", "worker", "queuedAt", "startedAt", "finishedAt", "exitCode",
                "output", "error", "cached", "cacheKey", "cacheSource", "cacheMatch", "progress", "progressMessage", "waitingFor", "childRun",
                "spanId", "traceparent",
            ]
            for task in tasks { #expect(Set(task.keys) == keys) }
            let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0["id"] as? String ?? "", $0) })
            let a = try #require(byID["a"])
            #expect(a["state"] as? String == "succeeded")
            #expect(a["step"] as? String == "a")
            #expect(a["attempts"] as? Int == 1)
            #expect(a["priority"] is Int)
            #expect(a["exitCode"] as? Int == 0)
            #expect(a["worker"] as? String == "w1")
            #expect(a["output"] as? String == "out-a")
            #expect(a["error"] is NSNull)
            #expect(a["cached"] as? Bool == false)
            #expect(a["cacheKey"] is NSNull && a["cacheMatch"] is NSNull)
            #expect((a["startedAt"] as? String)?.wholeMatch(of: rfc3339) != nil)
            #expect(byID["b"]?["state"] as? String == "failed")
            #expect(byID["b"]?["exitCode"] as? Int == 3)
            #expect(byID["b"]?["error"] as? String == "b broke on purpose")
            let skipped = try #require(byID["d"])
            #expect(skipped["state"] as? String == "skipped")
            #expect(skipped["attempts"] as? Int == 0)
            #expect(skipped["exitCode"] is NSNull)
            #expect(skipped["worker"] is NSNull)
            #expect(skipped["startedAt"] is NSNull)

            let table = try await qctl("status", "r1", environment: cluster.environment)
            #expect(table.status == 0)
            #expect(table.stdout.contains("run r1 (small): failed"))
            #expect(table.stdout.contains("b broke on purpose"))
            let unknown = try await qctl("status", "nope", environment: cluster.environment)
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("no run 'nope'"))
        }
    }

    @Test func watchReplaysAFinishedRunInPlainText() async throws {
        try await withCluster { cluster in
            _ = try await qctl("submit", "--run-id", "w1", try temporaryFile("small.yaml", smallWorkflow), environment: cluster.environment)
            try await cluster.work("w1")
            let result = try await qctl("watch", "w1", environment: cluster.environment, timeout: .seconds(15))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(!result.stdout.contains("\u{1B}"))
            for task in ["a", "b", "c", "d"] {
                #expect(result.stdout.contains("\(task) | hello from \(task)"))
                #expect(result.stdout.contains("\(task) | bye from \(task)"))
                #expect(result.stdout.contains("▶ \(task) started on w1 (attempt 1)"))
                #expect(result.stdout.contains("✔ \(task) succeeded"))
            }
            #expect(result.stdout.contains("run w1 succeeded"))
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.last?.contains("run w1 succeeded") == true)
        }
    }

    @Test func watchFollowsALiveRunAndFailsWithIt() async throws {
        try await withCluster { cluster in
            _ = try await qctl("submit", "--run-id", "live", try temporaryFile("small.yaml", smallWorkflow), environment: cluster.environment)
            let watcher = try QctlProcess(["watch", "live"], environment: cluster.environment)
            #expect(await watcher.waitForOutput("queued"))
            try await cluster.work("live") { $0 == "c" ? .failed : .succeeded }
            let result = await watcher.wait(timeout: .seconds(15))
            #expect(result.status == 1)
            #expect(result.stdout.contains("✘ c failed"))
            #expect(result.stdout.contains("c broke on purpose"))
            #expect(result.stdout.contains("run live failed"))
        }
    }

    @Test func logsPrintsOutputLines() async throws {
        try await withCluster { cluster in
            _ = try await qctl("submit", "--run-id", "l1", try temporaryFile("small.yaml", smallWorkflow), environment: cluster.environment)
            try await cluster.work("l1")
            let all = try await qctl("logs", "l1", environment: cluster.environment)
            #expect(all.status == 0)
            let lines = all.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 8)
            #expect(lines.first == "a | hello from a")
            #expect(lines.contains("d | bye from d"))
            let one = try await qctl("logs", "l1", "b", environment: cluster.environment)
            #expect(one.stdout == "hello from b\nbye from b\n")
            let missing = try await qctl("logs", "l1", "zz", environment: cluster.environment)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("has no task 'zz'"))
        }
    }

    @Test func cancelCancelsTheRun() async throws {
        try await withCluster { cluster in
            _ = try await qctl("submit", "--run-id", "c1", try temporaryFile("small.yaml", smallWorkflow), environment: cluster.environment)
            let result = try await qctl("cancel", "c1", environment: cluster.environment)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("canceled 4 tasks of run c1"))
            let snapshot = try #require(try await cluster.queue.runSnapshot("c1"))
            #expect(snapshot.state == "canceled")
            #expect(snapshot.tasks.allSatisfy { $0["state"] == "canceled" })
            let again = try await qctl("cancel", "c1", environment: cluster.environment)
            #expect(again.stdout.contains("canceled 0 tasks"))
            #expect(try await qctl("cancel", "nope", environment: cluster.environment).status == 1)
        }
    }

    @Test func listJSONListsRunsNewestFirst() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("small.yaml", smallWorkflow)
            _ = try await qctl("submit", "--run-id", "first", file, environment: cluster.environment)
            try await cluster.work("first")
            try await Task.sleep(for: .milliseconds(5))
            _ = try await qctl("submit", "--run-id", "second", file, environment: cluster.environment)
            let result = try await qctl("list", "--json", environment: cluster.environment)
            #expect(result.status == 0, "\(result.stderr)")
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            #expect(runs.map { $0["id"] as? String } == ["second", "first"])
            #expect(runs[1]["state"] as? String == "succeeded")
            #expect(runs[1]["done"] as? Int == 4)
            #expect(runs[1]["total"] as? Int == 4)
            #expect(runs[0]["done"] as? Int == 0)
            let limited = try await qctl("list", "--json", "--limit", "1", environment: cluster.environment)
            #expect((try JSONSerialization.jsonObject(with: Data(limited.stdout.utf8)) as? [Any])?.count == 1)
            let table = try await qctl("list", environment: cluster.environment)
            #expect(table.stdout.contains("second"))
            #expect(table.stdout.contains("4/4"))
        }
    }

    @Test func workersListsRecentHeartbeats() async throws {
        try await withCluster(coordinator: false) { cluster in
            _ = try await cluster.queue.heartbeat(
                worker: "w-7", lease: .seconds(30), info: #"{"slots":4,"queues":["default"],"running":1}"#, holding: [])
            let result = try await qctl("workers", "--json", environment: cluster.environment)
            #expect(result.status == 0, "\(result.stderr)")
            let workers = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
            #expect(workers.count == 1)
            #expect(workers.first?["name"] as? String == "w-7")
            #expect((workers.first?["info"] as? [String: Any])?["slots"] as? Int == 4)
            let table = try await qctl("workers", environment: cluster.environment)
            #expect(table.stdout.contains("w-7"))
            #expect(table.stdout.contains("slots 4, queues default, running 1"))
        }
    }
}
