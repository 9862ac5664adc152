import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// W3C trace context end to end, with a real coordinator, worker and `qctl`: every task gets
/// `TRACEPARENT` (the run's trace, a span per attempt), `qctl status --json` shows it, the
/// task_started event carries the trace id, and `qctl submit --traceparent` joins a given trace.
@Suite("trace context (real coordinator, worker and qctl)", .serialized)
struct TraceContextClusterTests {
    static let workflow = """
        name: traced
        steps:
          - { id: show, run: ["sh", "-c", "echo $TRACEPARENT"] }
        """

    private static func startServices(_ cluster: ProcessCluster) throws {
        try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
        try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "1"], name: "worker")
    }

    private static func environment(_ cluster: ProcessCluster) -> [String: String] {
        ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
    }

    /// `qctl status RUN --json`, decoded loosely.
    private static func status(_ run: String, _ cluster: ProcessCluster) async throws -> [String: Any] {
        let result = try await qctl("status", run, "--json", environment: environment(cluster))
        try #require(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test(.timeLimit(.minutes(2)))
    func aShellTaskSeesATraceparentInItsRunsTraceAndStatusShowsIt() async throws {
        try await withProcessCluster(namespace: "tc") { cluster in
            try Self.startServices(cluster)
            let file = try temporaryFile("traced.yaml", Self.workflow)
            let submitted = try await qctl(
                "submit", file, "--run-id", "r1", "--wait", environment: Self.environment(cluster), timeout: .seconds(60))
            #expect(submitted.status == 0, "\(submitted.stderr)\n\(cluster.logs)")

            let run = try await Self.status("r1", cluster)
            let traceID = try #require(run["traceId"] as? String)
            #expect(traceID.wholeMatch(of: /[0-9a-f]{32}/) != nil && traceID != String(repeating: "0", count: 32))
            let task = try #require((run["tasks"] as? [[String: Any]])?.first)
            let printed = try #require(task["output"] as? String)
            let match = try #require(printed.wholeMatch(of: /00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})/), "TRACEPARENT was '\(printed)'")
            #expect(String(match.1) == traceID)
            #expect(String(match.3) == "01")
            #expect(task["spanId"] as? String == String(match.2))
            #expect(task["traceparent"] as? String == printed)

            // The task_started event carries the run's trace id.
            let events = try await cluster.queue.redis.send("XRANGE", .string(cluster.queue.keys.runEvents("r1")), "-", "+")
            let started = (events.array ?? []).compactMap { entry -> [String]? in
                entry.array?.last?.array?.compactMap(\.string)
            }.first { $0.contains("task_started") }
            let fields = try #require(started, "no task_started event")
            #expect(fields.firstIndex(of: "traceId").map { fields[$0 + 1] } == traceID, "\(fields)")
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func submitTraceparentPutsTheRunInTheGivenTraceAndABadOneIsRefused() async throws {
        try await withProcessCluster(namespace: "tp") { cluster in
            try Self.startServices(cluster)
            let file = try temporaryFile("traced.yaml", Self.workflow)
            let env = Self.environment(cluster)
            let parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

            let bad = try await qctl("submit", file, "--traceparent", "00-not-a-trace", environment: env)
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("--traceparent: '00-not-a-trace' is not a W3C traceparent"), "\(bad.stderr)")
            #expect(try await cluster.queue.redis.send("XLEN", .string(cluster.queue.keys.submissions)).int == 0, "nothing queued")

            let joined = try await qctl(
                "submit", file, "--run-id", "joined", "--traceparent", parent, "--wait", environment: env, timeout: .seconds(60))
            #expect(joined.status == 0, "\(joined.stderr)\n\(cluster.logs)")
            let run = try await Self.status("joined", cluster)
            #expect(run["traceId"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736")
            let task = try #require((run["tasks"] as? [[String: Any]])?.first)
            let printed = try #require(task["output"] as? String)
            #expect(printed.hasPrefix("00-4bf92f3577b34da6a3ce929d0e0e4736-") && printed.hasSuffix("-01"), "\(printed)")
            #expect(!printed.contains("00f067aa0ba902b7"), "the attempt has a span of its own, not the parent's")

            // A client of the protocol that skips the check: the coordinator rejects the run, saying why.
            _ = try await cluster.queue.enqueueSubmission(
                runID: "raw", fileName: "raw.yaml", workflow: Self.workflow, params: [:], traceparent: "ff-zzzz")
            let rejected = try await cluster.queue.waitForRun("raw", timeout: .seconds(15))
            #expect(rejected.state == "failed")
            #expect(rejected.fields["error"]?.contains("traceparent: 'ff-zzzz' is not a W3C traceparent") == true, "\(rejected.fields)")
        }
    }
}
