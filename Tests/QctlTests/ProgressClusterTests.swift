import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Task progress, `heartbeatTimeout` and `--concurrency auto` through `qctl submit` on real
/// processes: a redis-server, a qrew-coordinator and a qrew-worker with adaptive slots. A
/// cluster suite (run it apart from the other heavy suites).
@Suite("progress and adaptive workers (real processes)", .serialized)
struct ProgressClusterTests {
    static let namespace = "pcl"

    @Test(.timeLimit(.minutes(1)))
    func progressIsLiveAndInStatusAndASilentTaskEndsLost() async throws {
        try await withProcessCluster(namespace: Self.namespace) { cluster in
            try cluster.start("qrew-coordinator", ["--lease", "3s"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "wa", "--lease", "3s", "--concurrency", "auto:1-4"], name: "worker")
            let environment = ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": Self.namespace]
            let directory = try temporaryDirectory()
            let file = directory + "/progress.yaml"
            try """
                name: progress
                steps:
                  - id: import
                    shell: true
                    run:
                      - |
                        for part in 1 2 3; do
                          sleep 0.3
                          echo "$((part * 33))% part $part" >> "$QREW_PROGRESS"
                        done
                    heartbeatTimeout: 5s
                  - id: stuck
                    shell: true
                    run: ["echo '10% started' >> \\"$QREW_PROGRESS\\"; sleep 30"]
                    heartbeatTimeout: 1s
                    retries: { max: 1, backoff: fixed, initial: 100ms, on: [lost] }
                """.write(toFile: file, atomically: true, encoding: .utf8)

            let submitted = try await qctl("submit", file, "--run-id", "p1", "--follow", environment: environment, timeout: .seconds(40))
            #expect(submitted.status == 1, "the run fails: 'stuck' ends lost\n\(submitted.stdout)\n\(cluster.logs)")
            #expect(submitted.stdout.contains("import 33% part 1"), "\(submitted.stdout)")
            #expect(submitted.stdout.contains("import 99% part 3"), "\(submitted.stdout)")
            #expect(submitted.stdout.contains("stuck retrying: attempt 1 went silent (heartbeat timeout: no progress for 1s)"), "\(submitted.stdout)")
            #expect(submitted.stdout.contains("stuck went silent"), "\(submitted.stdout)")

            let status = try await qctl("status", "p1", "--json", environment: environment)
            let run = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            let tasks = try #require(run["tasks"] as? [[String: Any]])
            let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0["id"] as? String ?? "", $0) })
            #expect(byID["import"]?["state"] as? String == "succeeded")
            #expect(byID["import"]?["progress"] as? Int == 99)
            #expect(byID["import"]?["progressMessage"] as? String == "part 3")
            #expect(byID["stuck"]?["state"] as? String == "lost")
            #expect(byID["stuck"]?["attempts"] as? Int == 2)
            #expect(byID["stuck"]?["error"] as? String == "heartbeat timeout: no progress for 1s")
            #expect(run["throttles"] is Int)

            let text = try await qctl("status", "p1", environment: environment)
            #expect(text.stdout.contains("99% part 3"), "\(text.stdout)")

            // The adaptive worker says so in its heartbeat info.
            var info: [String: Any] = [:]
            let deadline = ContinuousClock.now + .seconds(10)
            repeat {
                let workers = try await qctl("workers", "--json", "--lease", "3s", environment: environment)
                let list = (try? JSONSerialization.jsonObject(with: Data(workers.stdout.utf8))) as? [[String: Any]] ?? []
                info = list.first { $0["name"] as? String == "wa" }?["info"] as? [String: Any] ?? [:]
                if info["pressure"] != nil { break }
                try await Task.sleep(for: .milliseconds(200))
            } while ContinuousClock.now < deadline
            #expect(info["concurrency"] as? String == "auto:1-4", "\(info)")
            #expect(info["pressure"] is [String: Any], "\(info)")
            let table = try await qctl("workers", "--lease", "3s", environment: environment)
            #expect(table.stdout.contains("concurrency auto:1-4"), "\(table.stdout)")
        }
    }
}
