import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// `qctl retry` of a run whose dynamic fan-out expanded and then failed, end to end: a real
/// coordinator and worker on a test redis-server. Only the failed element runs again, the join
/// reopens, and the dependent gets every element's output in order.
@Suite("qctl retry of an expanded fan-out (real coordinator, worker and qctl)", .serialized)
struct FanOutRetryClusterTests {
    @Test(.timeLimit(.minutes(2)))
    func theFailedElementRunsAgainInPlaceAndTheJoinCollectsEveryOutput() async throws {
        try await withProcessCluster(namespace: "fanretry") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2"], name: "worker")
            let env = ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
            let directory = NSTemporaryDirectory() + "qrew-fan-retry-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // Element y fails until the file `fixed` exists; every element notes each time it runs.
            let file = try temporaryFile("fan-retry.yaml", """
                name: fan-retry
                steps:
                  - id: list
                    run: [echo, '["x","y","z"]']
                  - id: fan
                    matrix: { item: "${{ fromJSON(steps.list.output) }}" }
                    shell: true
                    run: ["echo ${{ matrix.item }} >> '\(directory)/ran'; if [ ${{ matrix.item }} = y ] && [ ! -e '\(directory)/fixed' ]; then exit 1; fi; echo item-${{ matrix.item }}"]
                  - id: after
                    run: [echo, "got ${{ steps.fan.outputs }}"]
                """)
            let failed = try await qctl("submit", file, "--run-id", "fr", "--wait", environment: env, timeout: .seconds(60))
            #expect(failed.status != 0, "\(failed.stdout)\n\(failed.stderr)")
            let before = try #require(try await cluster.queue.runSnapshot("fr"))
            #expect(before.state == "failed")
            #expect(before.tasks.first { $0["id"] == "fan" }?["state"] == "failed")
            #expect(before.tasks.first { $0["id"] == "after" }?["state"] == "skipped")

            let fresh = try await qctl("retry", "fr", "--fresh", environment: env)
            #expect(fresh.status != 0 && fresh.stderr.contains("retry without --fresh"), "\(fresh.stderr)")

            FileManager.default.createFile(atPath: directory + "/fixed", contents: Data())
            let retried = try await qctl("retry", "fr", "--wait", environment: env, timeout: .seconds(60))
            #expect(retried.status == 0, "\(retried.stdout)\n\(retried.stderr)\n\(cluster.logs)")
            let after = try #require(try await cluster.queue.runSnapshot("fr"))
            #expect(after.state == "succeeded")
            #expect(after.tasks.count == before.tasks.count, "the fan-out was not expanded again")
            let fanOutput = after.tasks.first { $0["id"] == "fan" }?["output"] ?? ""
            #expect(try JSONDecoder().decode([String].self, from: Data(fanOutput.utf8)) == ["item-x", "item-y", "item-z"], "\(fanOutput)")
            #expect(after.tasks.first { $0["id"] == "after" }?["output"] == "got " + fanOutput)
            let ran = try String(contentsOfFile: directory + "/ran", encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(ran.sorted() == ["x", "y", "y", "z"], "only y ran again: \(ran)")
        }
    }
}
