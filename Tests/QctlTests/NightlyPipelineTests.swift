import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// `examples/nightly-pipeline.yaml` on real processes: its schedule is accepted by
/// `qctl schedule add`; a run fans out over the partitions `discover` prints, waits for
/// `qctl approve` before publishing, and cleans up whatever happened (approved or rejected).
@Suite("nightly pipeline example (real coordinator, worker and qctl)", .serialized)
struct NightlyPipelineTests {
    static let file = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/nightly-pipeline.yaml").path

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

    struct Timeout: Error, CustomStringConvertible { let description: String }

    private static func task(_ snapshot: RunSnapshot, _ id: String) -> [String: String]? {
        snapshot.tasks.first { $0["id"] == id }
    }

    @Test(.timeLimit(.minutes(3)))
    func aRunFansOutWaitsForApprovalAndAlwaysCleansUp() async throws {
        try await withProcessCluster(namespace: "np") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "4"], name: "worker")
            let env = ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]

            let scheduled = try await qctl("schedule", "add", "nightly", Self.file, environment: env)
            #expect(scheduled.status == 0 && scheduled.stdout.contains("30 1 * * *"), "\(scheduled.stdout)\(scheduled.stderr)")

            for (run, approve) in [("approved", true), ("rejected", false)] {
                let submitted = try await qctl("submit", Self.file, "--run-id", run, environment: env)
                #expect(submitted.status == 0, "\(submitted.stderr)")
                _ = try await Self.waitFor(run, cluster) { Self.task($0, "sign-off")?["state"] == "ready" }
                let decided = approve
                    ? try await qctl("approve", run, "sign-off", "--by", "data-lead", environment: env)
                    : try await qctl("approve", run, "sign-off", "--reject", "--reason", "numbers off", environment: env)
                #expect(decided.status == 0, "\(decided.stderr)")
                let finished = try await Self.waitFor(run, cluster) { $0.isFinished }

                let partitions = finished.tasks.filter { $0["id"]?.hasPrefix("transform[") == true }
                #expect(partitions.count == 3 && partitions.allSatisfy { $0["state"] == "succeeded" }, "\(partitions)")
                let summary = Self.task(finished, "summarize")?["output"] ?? ""
                #expect(summary.contains("orders: 1000 rows") && summary.contains("refunds: 1000 rows"), "\(summary)")
                #expect(Self.task(finished, "publish")?["state"] == (approve ? "succeeded" : "skipped"))
                #expect(Self.task(finished, "cleanup")?["state"] == "succeeded", "if: always() runs either way")
                #expect(finished.state == (approve ? "succeeded" : "failed"), "\(finished.state)")
            }
        }
    }
}
