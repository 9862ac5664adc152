import Foundation
import QrewQueue
import Testing

/// Wait steps through the real commands: `qctl signal` completes a step waiting for an event
/// (its data the step's output, read by the next step's template); a signal sent before the
/// step is reached completes it when reached; bad input exits non-zero.
@Suite("qctl signal", .serialized)
struct SignalCommandTests {
    static let workflow = """
        name: deploy
        steps:
          - id: build
            run: [make, dist]
          - id: deployed
            type: wait
            dependsOn: [build]
            event: deploy-done
          - id: announce
            dependsOn: [deployed]
            run: [echo, "${{ steps.deployed.output }}"]
        """

    /// Plays the worker until the run finishes, recording the specs of the tasks it ran.
    static func work(_ cluster: ClusterHarness, _ run: String, until done: @escaping (RunSnapshot) -> Bool) async throws -> [String: String] {
        var outputsRead: [String: String] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            for task in try await cluster.queue.claim(worker: "w1", lease: .seconds(30), max: 4, queues: ["default"]) {
                outputsRead[task.ref.taskID] = task.outputs.values.first ?? ""
                _ = try await cluster.queue.complete(task, outcome: .succeeded, exitCode: 0, output: "ok", error: nil, retryDelay: nil)
            }
            if let snapshot = try await cluster.queue.runSnapshot(run), done(snapshot) { return outputsRead }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("run \(run) did not get there in time")
        return outputsRead
    }

    @Test func aSignalCompletesTheWaitAndItsDataIsTheOutput() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("deploy.yaml", Self.workflow)
            let follow = try QctlProcess(["submit", "--follow", "--run-id", "dep-1", file], environment: cluster.environment)
            _ = try await Self.work(cluster, "dep-1") { $0.tasks.contains { $0["id"] == "deployed" && $0["state"] == "ready" } }
            #expect(await follow.waitForOutput("deployed waiting for event deploy-done"), "\(follow.stdoutSoFar)")
            let status = try await qctl("status", "dep-1", environment: cluster.environment)
            #expect(status.stdout.contains("waiting: event deploy-done"), "\(status.stdout)")

            let bad = try await qctl("signal", "dep-1", "deploy-done", "--data", "{not json", environment: cluster.environment)
            #expect(bad.status == 2 && bad.stderr.contains("not valid JSON"), "\(bad.stderr)")
            let unknown = try await qctl("signal", "nope", "deploy-done", environment: cluster.environment)
            #expect(unknown.status == 1 && unknown.stderr.contains("no run 'nope'"), "\(unknown.stderr)")
            let sent = try await qctl("signal", "dep-1", "deploy-done", "--data", #"{"url":"https://example.test"}"#,
                                      environment: cluster.environment)
            #expect(sent.status == 0 && sent.stdout.contains("1 waiting task completed"), "\(sent.stdout)\(sent.stderr)")

            let read = try await Self.work(cluster, "dep-1") { $0.isFinished }
            #expect(read["announce"] == #"{"url":"https://example.test"}"#, "\(read)")
            let result = await follow.wait()
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("deployed received event deploy-done"), "\(result.stdout)")
        }
    }

    @Test func aSignalSentBeforeTheWaitIsReachedCompletesItWhenReached() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("deploy.yaml", Self.workflow)
            #expect(try await qctl("submit", "--run-id", "dep-2", file, environment: cluster.environment).status == 0)
            _ = try await cluster.waitForRun("dep-2") { $0.tasks.count == 3 }
            let early = try await qctl("signal", "dep-2", "deploy-done", "--data", "\"v2\"", environment: cluster.environment)
            #expect(early.status == 0 && early.stdout.contains("completes when reached"), "\(early.stdout)\(early.stderr)")
            let read = try await Self.work(cluster, "dep-2") { $0.isFinished }
            let snapshot = try await cluster.waitForRun("dep-2")
            #expect(snapshot.state == "succeeded")
            #expect(snapshot.tasks.first { $0["id"] == "deployed" }?["output"] == "\"v2\"")
            #expect(read["announce"] == "\"v2\"", "\(read)")
        }
    }

    @Test func aTimedWaitHoldsNoWorkerAndEndsAfterItsDuration() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("pause.yaml", """
                name: pause
                steps:
                  - { id: before, run: [echo, a] }
                  - { id: pause, type: wait, duration: 1s, dependsOn: [before] }
                  - { id: after, run: [echo, b], dependsOn: [pause] }
                """)
            #expect(try await qctl("submit", "--run-id", "pause-1", file, environment: cluster.environment).status == 0)
            let reached = try await Self.work(cluster, "pause-1") { $0.tasks.contains { $0["id"] == "pause" && $0["state"] == "ready" } }
            #expect(reached.keys.sorted() == ["before"])
            let status = try await qctl("status", "pause-1", environment: cluster.environment)
            #expect(status.stdout.contains("waiting: sleep until"), "\(status.stdout)")
            let ran = try await Self.work(cluster, "pause-1") { $0.isFinished }
            #expect(ran.keys.sorted() == ["after"], "no worker ran the wait itself")
            let snapshot = try await cluster.waitForRun("pause-1")
            #expect(snapshot.state == "succeeded")
            let pause = try #require(snapshot.tasks.first { $0["id"] == "pause" })
            let waited = (Int(pause["finishedAt"] ?? "") ?? 0) - (Int(pause["queuedAt"] ?? "") ?? 0)
            #expect(waited >= 1000, "slept \(waited) ms")
        }
    }
}
