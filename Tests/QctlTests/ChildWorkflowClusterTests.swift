import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Child workflows end to end: a real coordinator (whose leader starts and ends child runs) and
/// worker on a test redis-server, workflows with `type: workflow` steps submitted from files and
/// inspected with the `qctl` binary, and a leader killed while children run. Heavy (whole
/// processes): CLUSTER_SUITES.
@Suite("child workflows (real coordinator, worker and qctl)", .serialized)
struct ChildWorkflowClusterTests {
    private static func environment(_ cluster: ProcessCluster) -> [String: String] {
        ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
    }

    /// `qctl status RUN --json`, decoded loosely.
    private static func status(_ run: String, _ cluster: ProcessCluster) async throws -> [String: Any] {
        let result = try await qctl("status", run, "--json", environment: environment(cluster))
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    /// `qctl status RUN --json` when the run exists yet (nil before), recording no issue.
    private static func statusIfStored(_ run: String, _ cluster: ProcessCluster) async throws -> [String: Any]? {
        let result = try await qctl("status", run, "--json", environment: environment(cluster))
        guard result.status == 0 else { return nil }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    }

    private static func task(_ id: String, in status: [String: Any]) throws -> [String: Any] {
        let tasks = try #require(status["tasks"] as? [[String: Any]])
        return try #require(tasks.first { $0["id"] as? String == id }, "no task \(id) in \(tasks.map { $0["id"] ?? "?" })")
    }

    /// Polls `qctl status` until `predicate` holds for the run (60 s at most).
    private static func waitFor(
        _ run: String, _ cluster: ProcessCluster, _ predicate: ([String: Any]) throws -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            // A child run is polled for before the leader starts it: not stored yet is no failure.
            if let status = try await statusIfStored(run, cluster), try predicate(status) { return status }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("run \(run) never reached the expected state: \(try await status(run, cluster))\n\(cluster.logs)")
        throw CancellationError()
    }

    @Test(.timeLimit(.minutes(3)))
    func aChildFileRunsAsItsOwnRunAndItsOutputsFeedTheDependent() async throws {
        try await withProcessCluster(namespace: "child") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2"], name: "worker")
            let env = Self.environment(cluster)
            let directory = try temporaryDirectory()
            try FileManager.default.createDirectory(atPath: directory + "/lib", withIntermediateDirectories: true)
            try """
                name: deploy
                params: { version: "0", outcome: "ok" }
                steps:
                  - id: push
                    run: [echo, "pushed ${{ params.version }}"]
                  - id: verify
                    dependsOn: [push]
                    run: [sh, -c, 'test "$0" = ok', "${{ params.outcome }}"]
                """.write(toFile: directory + "/lib/deploy.yaml", atomically: true, encoding: .utf8)
            let parent = directory + "/parent.yaml"
            try """
                name: parent
                params: { outcome: "ok" }
                steps:
                  - id: prepare
                    run: [echo, v7]
                  - id: deploy
                    type: workflow
                    file: lib/deploy.yaml
                    with: { version: "${{ steps.prepare.output }}", outcome: "${{ params.outcome }}" }
                  - id: report
                    run: [echo, "report ${{ steps.deploy.output }}"]
                  - id: rollback
                    type: workflow
                    if: failure()
                    dependsOn: [deploy]
                    workflow:
                      name: rollback
                      steps:
                        - id: undo
                          run: [echo, undone]
                """.write(toFile: parent, atomically: true, encoding: .utf8)

            let result = try await qctl("submit", parent, "--run-id", "ok", "--follow", environment: env, timeout: .seconds(90))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)\n\(cluster.logs)")
            #expect(result.stdout.contains("deploy running child run ok.deploy"), "\(result.stdout)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            let pushed = try #require(lines.firstIndex { $0.contains("deploy › push succeeded") }, "the live view shows the child's steps: \(result.stdout)")
            let verified = try #require(lines.firstIndex { $0.contains("deploy › verify succeeded") }, "\(result.stdout)")
            let deployed = try #require(lines.firstIndex { $0.contains(" deploy succeeded") }, "\(result.stdout)")
            #expect(pushed < verified && verified < deployed, "the child's steps show before its step ends: \(result.stdout)")
            #expect(lines.contains { $0.contains("deploy › push | pushed v7") }, "and their output: \(result.stdout)")
            let status = try await Self.status("ok", cluster)
            #expect(status["state"] as? String == "succeeded")
            let children = try #require(status["children"] as? [[String: Any]])
            #expect(children.count == 1 && children[0]["run"] as? String == "ok.deploy"
                && children[0]["task"] as? String == "deploy" && children[0]["state"] as? String == "succeeded", "\(children)")
            #expect(try Self.task("deploy", in: status)["childRun"] as? String == "ok.deploy")
            let report = try #require(try Self.task("report", in: status)["output"] as? String)
            #expect(report.contains(#""push":"pushed v7"#), "the dependent reads the child's outputs: \(report)")
            let skipped = try Self.task("rollback", in: status)
            #expect(skipped["state"] as? String == "skipped" && skipped["childRun"] is NSNull, "\(skipped)")

            let child = try await Self.status("ok.deploy", cluster)
            let link = try #require(child["parent"] as? [String: Any])
            #expect(link["run"] as? String == "ok" && link["task"] as? String == "deploy", "\(link)")
            let text = try await qctl("status", "ok", environment: env)
            #expect(text.stdout.contains("children: ok.deploy (deploy, succeeded)"), "\(text.stdout)")

            let failing = try await qctl("submit", parent, "--run-id", "bad", "--set", "outcome=no", "--wait",
                                         environment: env, timeout: .seconds(90))
            #expect(failing.status != 0, "\(failing.stdout)")
            let bad = try await Self.status("bad", cluster)
            #expect(bad["state"] as? String == "failed")
            let deploy = try Self.task("deploy", in: bad)
            #expect(deploy["state"] as? String == "failed")
            #expect((deploy["error"] as? String)?.contains("child run bad.deploy ended failed") == true, "\(deploy)")
            #expect(try Self.task("report", in: bad)["state"] as? String == "skipped")
            let rollback = try Self.task("rollback", in: bad)
            #expect(rollback["state"] as? String == "succeeded" && rollback["childRun"] as? String == "bad.rollback", "\(rollback)")
            #expect((rollback["output"] as? String)?.contains("undone") == true, "\(rollback)")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func cancelingTheParentCancelsTheChildRun() async throws {
        try await withProcessCluster(namespace: "childcancel") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2"], name: "worker")
            let env = Self.environment(cluster)
            let file = try temporaryFile("long.yaml", """
                name: long
                steps:
                  - id: outer
                    type: workflow
                    workflow:
                      name: middle
                      steps:
                        - id: inner
                          type: workflow
                          workflow:
                            name: leaf
                            steps:
                              - id: wait
                                run: [sleep, "60"]
                """)
            let submitted = try await qctl("submit", file, "--run-id", "long", environment: env)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            _ = try await Self.waitFor("long.outer.inner", cluster) { status in
                try Self.task("wait", in: status)["state"] as? String == "running"
            }
            let cancel = try await qctl("cancel", "long", environment: env)
            #expect(cancel.status == 0, "\(cancel.stderr)")
            for run in ["long", "long.outer", "long.outer.inner"] {
                let status = try await Self.waitFor(run, cluster) { $0["state"] as? String == "canceled" }
                #expect(status["finishedAt"] is String)
            }
            let leaf = try await Self.status("long.outer.inner", cluster)
            #expect(try Self.task("wait", in: leaf)["state"] as? String == "canceled")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func aLeaderKilledWhileChildrenRunNeitherLosesNorDoublesAChildOrItsStep() async throws {
        try await withProcessCluster(namespace: "childcrash") { cluster in
            let queue = cluster.queue
            let first = try cluster.start("qrew-coordinator", ["--id", "c1", "--leader-lease", "1s"], name: "c1")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "4"], name: "worker")
            let file = try temporaryFile("crash.yaml", """
                name: crash
                steps:
                  - id: first
                    type: workflow
                    workflow:
                      name: slow
                      steps:
                        - id: nap
                          run: [sh, -c, "sleep 2; echo napped"]
                  - id: second
                    type: workflow
                    dependsOn: [first]
                    workflow:
                      name: quick
                      steps:
                        - id: hi
                          run: [echo, hi]
                  - id: after
                    run: [echo, "${{ steps.second.output }}"]
                """)
            let submitted = try await qctl("submit", file, "--run-id", "crash", environment: Self.environment(cluster))
            #expect(submitted.status == 0, "\(submitted.stderr)")
            _ = try await Self.waitFor("crash.first", cluster) { status in
                try Self.task("nap", in: status)["state"] as? String == "running"
            }
            // The leader dies while the child runs: the child's result is recorded by the worker,
            // its step is ended (and the next child started) by the next leader.
            kill(-first.pid, SIGKILL)
            try cluster.start("qrew-coordinator", ["--id", "c2", "--leader-lease", "1s"], name: "c2")
            let done = try await queue.waitForRun("crash", timeout: .seconds(60)) { $0.isFinished }
            #expect(done.state == "succeeded", "\(done.tasks)\n\(cluster.logs)")
            #expect(done.tasks.first { $0["id"] == "after" }?["output"]?.contains(#"{"hi":"hi"#) == true, "\(done.tasks)")
            #expect(Set(try await queue.listRuns().map(\.id)) == ["crash", "crash.first", "crash.second"], "each child once")
            let events = try await queue.runEvents("crash", after: "0", count: 1000).flatMap { try $0.progressEvents() }.map(\.fields)
            for step in ["first", "second"] {
                let finished = events.filter { $0["type"] == "task_finished" && $0["task"] == step }
                #expect(finished.count == 1 && finished.first?["state"] == "succeeded", "\(step): \(finished)")
                #expect(events.count { $0["type"] == "task_child_started" && $0["task"] == step } == 1)
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func theExampleRunsItsChildrenUnderQctlDev() async throws {
        try await withCluster(coordinator: false) { cluster in
            let installed = try DevCommandTests.installation(withWorker: true)
            let dev = try QctlProcess(
                ["dev", ExampleWorkflowTests.examples + "/release-with-children.yaml", "--workers", "2"],
                environment: cluster.environment, executable: installed)
            let result = await dev.wait(timeout: .seconds(90))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            let runID = String(try #require(result.stdout.firstMatch(of: /run (release-with-children-\S+) succeeded/)?.output.1))
            #expect(result.stdout.contains("deploy running child run \(runID).deploy"), "\(result.stdout)")
            #expect(result.stdout.contains("cleanup › prune succeeded"), "\(result.stdout)")
            let snapshot = try await cluster.waitForRun(runID)
            let announce = try #require(snapshot.tasks.first { $0["id"] == "announce" }?["output"])
            #expect(announce.contains(#""push":"pushed 1.4.2 to staging""#) && announce.contains(#""verify":"verified 1.4.2""#),
                    "\(announce)")
            let child = try await cluster.waitForRun(runID + ".deploy")
            #expect(child.state == "succeeded" && child.fields["parent"] == runID)
            #expect(try await cluster.waitForRun(runID + ".cleanup").state == "succeeded")
        }
    }

    @Test func aCycleBetweenFilesIsRejectedBeforeAnythingIsQueued() async throws {
        let directory = try temporaryDirectory()
        try "name: a\nsteps:\n  - id: b\n    type: workflow\n    file: b.yaml\n"
            .write(toFile: directory + "/a.yaml", atomically: true, encoding: .utf8)
        try "name: b\nsteps:\n  - id: a\n    type: workflow\n    file: a.yaml\n"
            .write(toFile: directory + "/b.yaml", atomically: true, encoding: .utf8)
        let result = try await qctl("validate", directory + "/a.yaml")
        #expect(result.status != 0)
        #expect(result.stdout.contains("a.yaml → ") && result.stdout.contains("b.yaml:5:"), "\(result.stdout)\n\(result.stderr)")
    }
}
