import Foundation
import QrewQueue
import Testing

/// Approvals through the real commands: `qctl submit --follow` shows a step waiting for
/// approval, `qctl status` says for whom, `qctl approve` (or `--reject`) decides it and the run
/// goes on (publish runs) or fails (publish skipped).
@Suite("qctl approve", .serialized)
struct ApprovalCommandTests {
    static let workflow = """
        name: release
        steps:
          - id: build
            run: [make, dist]
          - id: sign-off
            type: approval
            dependsOn: [build]
            approvers: [alice, release-managers]
            timeout: 1h
          - id: publish
            dependsOn: [sign-off]
            run: [./publish.sh]
        """

    /// Plays the worker for `build`, then waits until sign-off waits for approval.
    static func reachSignOff(_ cluster: ClusterHarness, _ run: String) async throws {
        _ = try await cluster.waitForRun(run) { $0.tasks.count == 3 }
        let deadline = ContinuousClock.now + .seconds(15)
        var built = false
        while !built, ContinuousClock.now < deadline {
            for task in try await cluster.queue.claim(worker: "w1", lease: .seconds(30), max: 4, queues: ["default"]) {
                #expect(task.ref.taskID == "build")
                _ = try await cluster.queue.complete(task, outcome: .succeeded, exitCode: 0, output: "dist/", error: nil, retryDelay: nil)
                built = true
            }
            if !built { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(built)
        _ = try await cluster.waitForRun(run) { snapshot in
            snapshot.tasks.contains { $0["id"] == "sign-off" && $0["state"] == "ready" }
        }
    }

    @Test func anApprovedStepLetsThePublishRun() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("release.yaml", Self.workflow)
            let follow = try QctlProcess(["submit", "--follow", "--run-id", "rel-1", file], environment: cluster.environment)
            try await Self.reachSignOff(cluster, "rel-1")
            #expect(await follow.waitForOutput("sign-off waiting for approval"), "\(follow.stdoutSoFar)")
            #expect(try await cluster.queue.claim(worker: "w1", lease: .seconds(30), max: 4, queues: ["default"]).isEmpty,
                    "nothing for a worker while the approval waits")

            let status = try await qctl("status", "rel-1", environment: cluster.environment)
            #expect(status.stdout.contains("waiting: approval (approvers: alice, release-managers; times out at"), "\(status.stdout)")

            let approved = try await qctl("approve", "rel-1", "sign-off", "--by", "alice", "--reason", "tested on staging",
                                          environment: cluster.environment)
            #expect(approved.status == 0, "\(approved.stderr)")
            #expect(approved.stdout.contains("approved 1 task of 'sign-off' in run rel-1 as alice"), "\(approved.stdout)")
            let again = try await qctl("approve", "rel-1", "sign-off", environment: cluster.environment)
            #expect(again.status == 1 && again.stderr.contains("is not waiting for approval (succeeded)"), "\(again.stderr)")

            try await cluster.work("rel-1")
            let result = await follow.wait()
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("sign-off approved by alice"), "\(result.stdout)")
            let snapshot = try await cluster.waitForRun("rel-1")
            let signOff = try #require(snapshot.tasks.first { $0["id"] == "sign-off" })
            #expect(signOff["output"] == "approved by alice: tested on staging" && signOff["decidedBy"] == "alice")
            #expect(snapshot.tasks.first { $0["id"] == "publish" }?["state"] == "succeeded")
        }
    }

    @Test func aRejectedStepSkipsThePublishAndFailsTheRun() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("release.yaml", Self.workflow)
            #expect(try await qctl("submit", "--run-id", "rel-2", file, environment: cluster.environment).status == 0)
            _ = try await cluster.waitForRun("rel-2") { $0.tasks.count == 3 }
            let early = try await qctl("approve", "rel-2", "sign-off", environment: cluster.environment)
            #expect(early.status == 1 && early.stderr.contains("dependencies not finished"), "\(early.stderr)")
            try await Self.reachSignOff(cluster, "rel-2")

            let unknownStep = try await qctl("approve", "rel-2", "sign-of", environment: cluster.environment)
            #expect(unknownStep.status == 1 && unknownStep.stderr.contains("has no step or task 'sign-of'"), "\(unknownStep.stderr)")
            let unknownRun = try await qctl("approve", "nope", "sign-off", environment: cluster.environment)
            #expect(unknownRun.status == 1 && unknownRun.stderr.contains("no run 'nope'"), "\(unknownRun.stderr)")
            let notApproval = try await qctl("approve", "rel-2", "build", environment: cluster.environment)
            #expect(notApproval.status == 1 && notApproval.stderr.contains("not an approval step"), "\(notApproval.stderr)")

            let rejected = try await qctl("approve", "rel-2", "sign-off", "--reject", "--by", "bob", "--reason", "release freeze",
                                          environment: cluster.environment)
            #expect(rejected.status == 0, "\(rejected.stderr)")
            let snapshot = try await cluster.waitForRun("rel-2") { $0.isFinished }
            #expect(snapshot.state == "failed")
            let signOff = try #require(snapshot.tasks.first { $0["id"] == "sign-off" })
            #expect(signOff["state"] == "failed" && signOff["error"] == "rejected by bob: release freeze")
            #expect(snapshot.tasks.first { $0["id"] == "publish" }?["state"] == "skipped")
        }
    }

    @Test func aMatrixApprovalIsDecidedWholeOrOneTaskAtATime() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("regions.yaml", """
                name: regions
                steps:
                  - { id: gate, type: approval, matrix: { region: [eu, us, ap] } }
                  - { id: deploy, run: [echo, go], dependsOn: [gate] }
                """)
            #expect(try await qctl("submit", "--run-id", "reg-1", file, environment: cluster.environment).status == 0)
            _ = try await cluster.waitForRun("reg-1") { $0.tasks.filter { $0["state"] == "ready" }.count == 3 }
            let one = try await qctl("approve", "reg-1", "gate[region=eu]", "--by", "alice", environment: cluster.environment)
            #expect(one.status == 0 && one.stdout.contains("approved 1 task of 'gate[region=eu]'"), "\(one.stdout)\(one.stderr)")
            let rest = try await qctl("approve", "reg-1", "gate", "--by", "alice", environment: cluster.environment)
            #expect(rest.status == 0 && rest.stdout.contains("approved 2 tasks of 'gate'"), "\(rest.stdout)\(rest.stderr)")
            try await cluster.work("reg-1")
            let snapshot = try await cluster.waitForRun("reg-1")
            #expect(snapshot.state == "succeeded")
            #expect(snapshot.tasks.filter { $0["step"] == "gate" }.allSatisfy { $0["decidedBy"] == "alice" })
        }
    }

    @Test func aWorkerRefusesTheReservedAwaitingQueue() async throws {
        let worker = try QctlProcess(["--queues", "default,@awaiting", "--redis", "redis://127.0.0.1:1/0"],
                                     executable: QctlProcess.productsDirectory + "/qrew-worker")
        let result = await worker.wait(timeout: .seconds(20))
        #expect(result.status == 2 && result.stderr.contains("'@awaiting' is reserved"), "\(result.stderr)")
    }
}
