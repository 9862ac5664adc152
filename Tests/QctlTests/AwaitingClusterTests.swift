import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Approvals and durable waits on real processes: a coordinator and a worker run a release that
/// waits for `qctl approve`, then sleeps durably; the coordinator is killed during the sleep and
/// a new one ends it on time, so the run finishes with nothing run twice and no worker slot held.
@Suite("approvals and waits (real coordinator, worker and qctl)", .serialized)
struct AwaitingClusterTests {
    private static func environment(_ cluster: ProcessCluster) -> [String: String] {
        ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
    }

    /// Polls the run until `condition` holds (or fails the test after `timeout`).
    private static func waitFor(
        _ run: String, _ cluster: ProcessCluster, timeout: Duration = .seconds(60), _ condition: (RunSnapshot) -> Bool
    ) async throws -> RunSnapshot {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let snapshot = try await cluster.queue.runSnapshot(run), condition(snapshot) { return snapshot }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw CommandTimeout(description: "run \(run) did not get there within \(timeout)\n\(cluster.logs)")
    }

    struct CommandTimeout: Error, CustomStringConvertible { let description: String }

    private static func state(_ snapshot: RunSnapshot, _ task: String) -> String? {
        snapshot.tasks.first { $0["id"] == task }?["state"]
    }

    @Test(.timeLimit(.minutes(2)))
    func aReleaseWaitsForApprovalThenSleepsThroughACoordinatorRestart() async throws {
        try await withProcessCluster(namespace: "aw") { cluster in
            let first = try cluster.start("qrew-coordinator", ["--id", "c1", "--leader-lease", "2s"], name: "coordinator-1")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2"], name: "worker")
            let directory = try temporaryDirectory()
            let marker = "\(directory)/published"
            let file = try temporaryFile("release.yaml", """
                name: release
                steps:
                  - { id: build, run: [echo, built] }
                  - { id: sign-off, type: approval, dependsOn: [build], approvers: [alice] }
                  - { id: soak, type: wait, dependsOn: [sign-off], duration: 4s }
                  - id: publish
                    dependsOn: [soak]
                    run: ["sh", "-c", "echo once >> \(marker)"]
                """)
            let env = Self.environment(cluster)
            let submitted = try await qctl("submit", file, "--run-id", "rel", environment: env)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            _ = try await Self.waitFor("rel", cluster) { Self.state($0, "sign-off") == "ready" }

            let approved = try await qctl("approve", "rel", "sign-off", "--by", "alice", environment: env)
            #expect(approved.status == 0, "\(approved.stderr)")
            _ = try await Self.waitFor("rel", cluster) { Self.state($0, "soak") == "ready" }
            let status = try await qctl("status", "rel", environment: env)
            #expect(status.stdout.contains("waiting: sleep until"), "\(status.stdout)")

            // The leader dies during the sleep; a new coordinator takes over and ends it.
            kill(-first.pid, SIGKILL)
            _ = await first.waitForExit(timeout: .seconds(10))
            try cluster.start("qrew-coordinator", ["--id", "c2", "--leader-lease", "2s"], name: "coordinator-2")

            let finished = try await Self.waitFor("rel", cluster) { $0.isFinished }
            #expect(finished.state == "succeeded", "\(cluster.logs)")
            let soak = try #require(finished.tasks.first { $0["id"] == "soak" })
            let slept = (Int(soak["finishedAt"] ?? "") ?? 0) - (Int(soak["queuedAt"] ?? "") ?? 0)
            #expect(slept >= 4000, "slept \(slept) ms")
            #expect(soak["worker"] == nil, "no worker ran the wait")
            #expect(((try? String(contentsOfFile: marker, encoding: .utf8)) ?? "") == "once\n")
        }
    }
}
