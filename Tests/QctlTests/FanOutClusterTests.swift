import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Dynamic fan-out end to end: a real coordinator (which expands the fan-out) and worker on a
/// test redis-server, workflows submitted and inspected with the `qctl` binary.
@Suite("dynamic fan-out (real coordinator, worker and qctl)", .serialized)
struct FanOutClusterTests {
    private static func environment(_ cluster: ProcessCluster) -> [String: String] {
        ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
    }

    /// `qctl status RUN --json`, decoded loosely.
    private static func status(_ run: String, _ cluster: ProcessCluster) async throws -> [String: Any] {
        let result = try await qctl("status", run, "--json", environment: environment(cluster))
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private static func task(_ id: String, in status: [String: Any]) throws -> [String: Any] {
        let tasks = try #require(status["tasks"] as? [[String: Any]])
        return try #require(tasks.first { $0["id"] as? String == id }, "no task \(id) in \(tasks.map { $0["id"] ?? "?" })")
    }

    @Test(.timeLimit(.minutes(2)))
    func aStepFansOutOverTheListAnEarlierStepPrinted() async throws {
        try await withProcessCluster(namespace: "fan") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2"], name: "worker")
            let env = Self.environment(cluster)
            let file = try temporaryFile("fan.yaml", """
                name: fan
                steps:
                  - id: list
                    run: [echo, '["x","y","z"]']
                  - id: fan
                    matrix: { item: "${{ fromJSON(steps.list.output) }}" }
                    run: [echo, "item-${{ matrix.item }}"]
                  - id: after
                    run: [echo, "got ${{ steps.fan.outputs }}"]
                """)
            let result = try await qctl("submit", file, "--run-id", "ok", "--follow", environment: env, timeout: .seconds(60))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)\n\(cluster.logs)")
            #expect(result.stdout.contains("fan fanned out into 3 tasks"), "\(result.stdout)")
            let status = try await Self.status("ok", cluster)
            #expect(status["state"] as? String == "succeeded")
            for (index, item) in ["x", "y", "z"].enumerated() {
                let child = try Self.task("fan[\(index)]", in: status)
                #expect(child["state"] as? String == "succeeded")
                #expect((child["output"] as? String)?.contains("item-\(item)") == true, "\(child)")
            }
            #expect(try Self.task("fan", in: status)["state"] as? String == "succeeded")
            let after = try #require(try Self.task("after", in: status)["output"] as? String)
            let positions = ["item-x", "item-y", "item-z"].compactMap { after.range(of: $0)?.lowerBound }
            #expect(positions.count == 3 && positions == positions.sorted(), "\(after)")
            #expect(after.hasPrefix("got ["), "\(after)")

            let bad = try temporaryFile("bad.yaml", """
                name: fan
                steps:
                  - id: list
                    run: [echo, 'not a list']
                  - id: fan
                    matrix: { item: "${{ fromJSON(steps.list.output) }}" }
                    run: [echo, "${{ matrix.item }}"]
                  - id: after
                    dependsOn: [fan]
                    run: [echo, done]
                """)
            let failed = try await qctl("submit", bad, "--run-id", "bad", "--wait", environment: env, timeout: .seconds(60))
            #expect(failed.status != 0)
            let badStatus = try await Self.status("bad", cluster)
            #expect(badStatus["state"] as? String == "failed")
            let fan = try Self.task("fan", in: badStatus)
            #expect(fan["state"] as? String == "failed")
            #expect((fan["error"] as? String)?.contains("not JSON") == true, "\(fan)")
            #expect(try Self.task("after", in: badStatus)["state"] as? String == "skipped")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func theExampleFansOutUnderQctlDev() async throws {
        try await withCluster(coordinator: false) { cluster in
            let installed = try DevCommandTests.installation(withWorker: true)
            let dev = try QctlProcess(
                ["dev", ExampleWorkflowTests.examples + "/dynamic-fan-out.yaml", "--workers", "2"],
                environment: cluster.environment, executable: installed)
            let result = await dev.wait(timeout: .seconds(90))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("deploy fanned out into 3 tasks"), "\(result.stdout)")
            let runID = try #require(result.stdout.firstMatch(of: /run (dynamic-fan-out-\S+) succeeded/)?.output.1)
            let snapshot = try await cluster.waitForRun(String(runID))
            let report = try #require(snapshot.tasks.first { $0["id"] == "report" }?["output"])
            let positions = ["eu", "us", "ap"].compactMap { report.range(of: "deployed to \($0)")?.lowerBound }
            #expect(positions.count == 3 && positions == positions.sorted(), "\(report)")
        }
    }
}
