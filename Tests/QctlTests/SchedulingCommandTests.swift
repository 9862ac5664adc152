import Foundation
import QrewCore
import QrewQueue
import Testing

/// Scheduling through the real commands: a queue timeout ends a task no worker started, and
/// `qctl plan` shows the critical path by the durations the coordinator learned from runs.
@Suite("qctl and scheduling", .serialized)
struct SchedulingCommandTests {
    @Test func aTaskNoWorkerStartsEndsTimedOutAfterItsQueueTimeout() async throws {
        try await withCluster { cluster in
            let workflow = """
                name: stranded
                steps:
                  - id: orphan
                    type: echo
                    queue: nobody-serves-this
                    queueTimeout: 1s
                  - id: after
                    type: echo
                    dependsOn: [orphan]
                """
            let started = ContinuousClock.now
            let result = try await qctl(
                "submit", "--wait", "--run-id", "stranded-1", try temporaryFile("stranded.yaml", workflow),
                environment: cluster.environment, timeout: .seconds(30))
            #expect(result.status != 0, "the run failed: \(result.stdout) \(result.stderr)")
            #expect(ContinuousClock.now - started >= .seconds(1))
            let status = try await qctl("status", "--json", "stranded-1", environment: cluster.environment)
            let document = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            let tasks = try #require(document["tasks"] as? [[String: Any]])
            let orphan = try #require(tasks.first { $0["id"] as? String == "orphan" })
            #expect(orphan["state"] as? String == "timed_out")
            #expect(orphan["error"] as? String == "queue timeout: not started within 1s")
            #expect(orphan["startedAt"] is NSNull)
            #expect(tasks.first { $0["id"] as? String == "after" }?["state"] as? String == "skipped")
        }
    }

    @Test func theCoordinatorScoresASubmissionWithTheLearnedDurations() async throws {
        try await withCluster { cluster in
            // Two names: the coordinator keeps a workflow's estimates for a few seconds
            // (DurationEstimatesCache), so the learned ones are set before the second is submitted.
            let steps = """
                steps:
                  - { id: root, type: echo }
                  - { id: fast, type: echo, dependsOn: [root] }
                  - { id: fastEnd, type: echo, dependsOn: [fast] }
                  - { id: slow, type: echo, dependsOn: [root] }
                  - { id: slowEnd, type: echo, dependsOn: [slow] }
                """
            let file = try temporaryFile("branches.yaml", "name: branches\n" + steps)
            let learned = try temporaryFile("learned.yaml", "name: learned\n" + steps)
            func priorities(_ run: String) async throws -> [String: Int] {
                let snapshot = try await cluster.waitForRun(run) { $0.tasks.count == 5 }
                return Dictionary(uniqueKeysWithValues: snapshot.tasks.compactMap { task in
                    task["id"].flatMap { id in task["priority"].flatMap(Int.init).map { (id, $0) } }
                })
            }
            #expect(try await qctl("submit", "--run-id", "by-count", file, environment: cluster.environment).status == 0)
            let byCount = try await priorities("by-count")
            #expect(byCount["fast"] == byCount["slow"])
            _ = try await cluster.queue.redis.send("HSET", "qt:estimates:learned", "fastEnd", "1000", "slowEnd", "60000")
            #expect(try await qctl("submit", "--run-id", "by-duration", learned, environment: cluster.environment).status == 0)
            let byDuration = try await priorities("by-duration")
            #expect((byDuration["slow"] ?? 0) > (byDuration["fast"] ?? .max), "\(byDuration)")
        }
    }

    @Test func planShowsTheCriticalPathByTheDurationsLearnedFromRuns() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("small.yaml", smallWorkflow)
            let before = try await qctl("plan", file, environment: cluster.environment)
            #expect(before.status == 0, "\(before.stderr)")
            #expect(before.stderr.contains("no learned step durations for workflow 'small'"))
            #expect(!before.stdout.contains("critical path by duration"))

            let submitted = try await qctl("submit", "--run-id", "learn-1", file, environment: cluster.environment)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            try await cluster.work("learn-1")
            let deadline = ContinuousClock.now + .seconds(10)
            while try await cluster.queue.durationEstimates(workflow: "small").count < 4, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(Set(try await cluster.queue.durationEstimates(workflow: "small").keys) == ["a", "b", "c", "d"])

            let after = try await qctl("plan", file, environment: cluster.environment)
            #expect(after.status == 0, "\(after.stderr)")
            #expect(after.stderr.contains("using step durations learned from earlier runs (4 steps"))
            #expect(after.stdout.contains("critical path by duration"))
            let offline = try await qctl("plan", "--offline", file, environment: cluster.environment)
            #expect(!offline.stdout.contains("critical path by duration") && offline.stderr.isEmpty)
        }
    }
}
