import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// The result cache end to end: a real coordinator and worker on a test redis-server, workflows
/// submitted and inspected with the `qctl` binary. A cached step appends a line to a marker file
/// each time it really runs, so the file says how often it ran.
@Suite("result cache (real coordinator, worker and qctl)", .serialized)
struct ResultCacheClusterTests {
    private static func startServices(_ cluster: ProcessCluster) throws {
        try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
        try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2"], name: "worker")
    }

    private static func environment(_ cluster: ProcessCluster) -> [String: String] {
        ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
    }

    private static func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// `qctl status RUN --json`, decoded loosely.
    private static func status(_ run: String, _ cluster: ProcessCluster) async throws -> [String: Any] {
        let result = try await qctl("status", run, "--json", environment: environment(cluster))
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    private static func task(_ id: String, in status: [String: Any]) throws -> [String: Any] {
        let tasks = try #require(status["tasks"] as? [[String: Any]])
        return try #require(tasks.first { $0["id"] as? String == id })
    }

    @Test(.timeLimit(.minutes(2)))
    func aSecondRunReusesTheCachedResultAndItsDependentsSeeIt() async throws {
        try await withProcessCluster(namespace: "rc") { cluster in
            try Self.startServices(cluster)
            let directory = try temporaryDirectory()
            let marker = "\(directory)/ran"
            let file = try temporaryFile("cached.yaml", """
                name: cached
                steps:
                  - id: expensive
                    run: ["sh", "-c", "echo ran >> \(marker); echo result-42"]
                    cache: { ttl: 10m }
                  - id: use
                    dependsOn: [expensive]
                    run: [echo, "got ${{ steps.expensive.output }}"]
                """)
            let env = Self.environment(cluster)
            let first = try await qctl("submit", file, "--run-id", "first", "--wait", environment: env, timeout: .seconds(60))
            #expect(first.status == 0, "\(first.stderr)\n\(cluster.logs)")
            #expect(Self.lines(marker) == ["ran"])

            let second = try await qctl("submit", file, "--run-id", "second", "--follow", environment: env, timeout: .seconds(60))
            #expect(second.status == 0, "\(second.stderr)\n\(cluster.logs)")
            #expect(Self.lines(marker) == ["ran"], "the cached step ran again")
            #expect(second.stdout.contains("expensive succeeded from the result cache (reused the result of first/expensive)"),
                    "\(second.stdout)")

            let status = try await Self.status("second", cluster)
            let expensive = try Self.task("expensive", in: status)
            #expect(expensive["state"] as? String == "succeeded")
            #expect(expensive["cached"] as? Bool == true)
            #expect(expensive["cacheSource"] as? String == "first/expensive")
            #expect((expensive["output"] as? String)?.contains("result-42") == true)
            let use = try Self.task("use", in: status)
            #expect(use["cached"] as? Bool == false)
            #expect((use["output"] as? String)?.contains("got result-42") == true, "\(use)")
            #expect((status["cache"] as? [String: Int]) == ["hits": 1, "misses": 0])
            let firstStatus = try await Self.status("first", cluster)
            #expect(try Self.task("expensive", in: firstStatus)["cached"] as? Bool == false)

            let text = try await qctl("status", "second", environment: env)
            #expect(text.stdout.contains("succeeded (cached)"), "\(text.stdout)")
            #expect(text.stdout.contains("result cache: 1 hit, 0 misses"), "\(text.stdout)")

            let listed = try await qctl("cache", "list", "--json", environment: env)
            let entries = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
            #expect(entries.map { $0["step"] as? String } == ["expensive"])
            let key = try #require(entries.first?["key"] as? String)
            #expect(expensive["cacheKey"] as? String == key)
            let shown = try await qctl("cache", "show", String(key.prefix(12)), environment: env)
            #expect(shown.stdout.contains("result-42") && shown.stdout.contains("first/expensive"), "\(shown.stdout)")
            let stats = try await qctl("cache", "stats", environment: env)
            #expect(stats.stdout.contains("1 entry; 1 hits, 0 similar hits, 1 misses"), "\(stats.stdout)")

            let purged = try await qctl("cache", "purge", "--step", "expensive", environment: env)
            #expect(purged.stdout.contains("purged 1 result-cache entry"), "\(purged.stdout) \(purged.stderr)")
            let third = try await qctl("submit", file, "--run-id", "third", "--wait", environment: env, timeout: .seconds(60))
            #expect(third.status == 0)
            #expect(Self.lines(marker) == ["ran", "ran"], "after a purge the step runs again")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aNearDuplicateRequestReusesAResultAndADifferentOneRuns() async throws {
        try await withProcessCluster(namespace: "rs") { cluster in
            try Self.startServices(cluster)
            let directory = try temporaryDirectory()
            let marker = "\(directory)/ran"
            let file = try temporaryFile("similar.yaml", """
                name: similar
                params: { request: "" }
                steps:
                  - id: answer
                    run: ["sh", "-c", "echo \\"$REQUEST\\" >> \(marker); echo \\"answer to: $REQUEST\\""]
                    env: { REQUEST: "${{ params.request }}" }
                    cache: { similar: "${{ params.request }}", threshold: 0.85 }
                """)
            let env = Self.environment(cluster)
            let request = "Summarize the quarterly sales report for the north region and list the three largest "
                + "accounts by revenue with their year over year growth and the main risks the team sees"
            for (run, text) in [("original", request), ("near", request + " please"),
                                ("different", "Translate the onboarding guide into German and French for the new Berlin office")] {
                let result = try await qctl("submit", file, "--run-id", run, "--set", "request=\(text)", "--wait",
                                            environment: env, timeout: .seconds(60))
                #expect(result.status == 0, "\(run): \(result.stderr)\n\(cluster.logs)")
            }
            let ran = Self.lines(marker)
            #expect(ran.count == 2 && ran.first == request && ran.last?.hasPrefix("Translate") == true, "\(ran)")

            let near = try Self.task("answer", in: try await Self.status("near", cluster))
            #expect(near["cached"] as? Bool == true)
            #expect(near["cacheSource"] as? String == "original/answer")
            let match = try #require(near["cacheMatch"] as? [String: Any])
            let score = try #require(match["score"] as? Double)
            #expect(score >= 0.85 && score < 1, "\(score)")
            #expect((near["output"] as? String)?.contains("answer to: Summarize") == true)
            let text = try await qctl("status", "near", environment: env)
            #expect(text.stdout.contains("(cached, similarity 0."), "\(text.stdout)")

            let different = try Self.task("answer", in: try await Self.status("different", cluster))
            #expect(different["cached"] as? Bool == false)
            #expect(different["cacheMatch"] is NSNull)
        }
    }
}
