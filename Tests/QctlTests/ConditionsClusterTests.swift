import Foundation
import QrewQueue
import QrewRedis
import Testing

/// `if:` through `qctl submit` on real coordinator and worker processes (heavy: a cluster per
/// test; for the Makefile's CLUSTER_SUITES).
@Suite("conditions on a cluster", .serialized)
struct ConditionsClusterTests {
    private static let workflow = """
        name: conditions
        steps:
          - id: probe
            type: echo
            with: { message: x }
          - id: build
            type: fail
            with: { message: broken }
          - id: publish
            dependsOn: [build]
            type: echo
            with: { message: published }
          - id: notify
            dependsOn: [build]
            if: failure()
            type: echo
            with: { message: "build failed" }
          - id: cleanup
            dependsOn: [publish]
            if: ${{ always() }}
            type: echo
            with: { message: cleaned }
          - id: on-x
            if: steps.probe.output == 'x'
            type: echo
            with: { message: "probe said x" }
          - id: on-y
            if: steps.probe.output == 'y'
            type: echo
            with: { message: "probe said y" }
          - id: after-y
            dependsOn: [on-y]
            type: echo
            with: { message: unreachable }
        """

    @Test(.timeLimit(.minutes(2)))
    func failureAlwaysAndOutputConditionsRunAsWritten() async throws {
        try await withProcessCluster(namespace: "cond") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "4"], name: "w1")
            let environment = ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
            let file = try temporaryFile("conditions.yaml", Self.workflow)
            let submitted = try await qctl("submit", file, "--run-id", "cond-1", "--follow", environment: environment, timeout: .seconds(90))
            let run = try await cluster.queue.waitForRun("cond-1", timeout: .seconds(60)) { $0.isFinished }
            #expect(run.state == "failed", "\(run.fields)\n\(cluster.logs)")
            var states: [String: String] = [:]
            var errors: [String: String] = [:]
            for task in run.tasks {
                states[task["id"] ?? ""] = task["state"]
                errors[task["id"] ?? ""] = task["error"]
            }
            #expect(states == [
                "probe": "succeeded", "build": "failed", "publish": "skipped", "notify": "succeeded",
                "cleanup": "succeeded", "on-x": "succeeded", "on-y": "skipped", "after-y": "skipped",
            ], "\(cluster.logs)")
            #expect(errors["on-y"] == "condition false: steps.probe.output == 'y'")
            #expect(submitted.stdout.contains("on-y skipped: condition false: steps.probe.output == 'y'"), "\(submitted.stdout)")

            let status = try await qctl("status", "cond-1", "--json", environment: environment)
            #expect(status.status == 0, "\(status.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            let tasks = try #require(json["tasks"] as? [[String: Any]])
            let onY = try #require(tasks.first { $0["id"] as? String == "on-y" })
            #expect(onY["error"] as? String == "condition false: steps.probe.output == 'y'", "\(onY)")
        }
    }

    @Test func aBadConditionIsRejectedBeforeAnythingIsQueued() async throws {
        let file = try temporaryFile("bad-if.yaml", """
            name: bad
            steps:
              - id: a
                type: echo
              - id: b
                type: echo
                if: steps.a.output = 'x'
            """)
        let result = try await qctl("validate", file)
        #expect(result.status != 0)
        #expect(result.stderr.contains("bad-if.yaml:7:24") || result.stdout.contains("bad-if.yaml:7:24"), "\(result.stdout)\(result.stderr)")
    }
}
