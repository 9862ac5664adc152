import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Graceful shutdown of real `qrew-coordinator` processes (swift-service-lifecycle): SIGTERM
/// stops intake, releases the leader lease at once and exits 0, so a standby leads within one
/// poll instead of after the lease; and the standby then takes in and runs new submissions.
@Suite("coordinator lifecycle (real processes)", .serialized)
struct LifecycleClusterTests {
    @Test(.timeLimit(.minutes(1)))
    func aStandbyLeadsWellWithinTheLeaseAfterTheLeaderIsStoppedWithSigterm() async throws {
        try await withProcessCluster(namespace: "lc") { cluster in
            let leaderKey = "lc:leader"
            let first = try cluster.start("qrew-coordinator", ["--id", "c1", "--leader-lease", "10s"], name: "c1")
            #expect(try await Self.waitForLeader(cluster, key: leaderKey, prefix: "c1:", timeout: .seconds(15)) != nil, "\(cluster.logs)")
            let second = try cluster.start("qrew-coordinator", ["--id", "c2", "--leader-lease", "10s"], name: "c2")
            // c2 is up (its log says it stands by) before c1 is stopped.
            let upDeadline = ContinuousClock.now + .seconds(15)
            while !second.logTail(lines: 50).contains("standing by"), ContinuousClock.now < upDeadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try #require(second.logTail(lines: 50).contains("standing by"), "\(cluster.logs)")

            let stopped = ContinuousClock.now
            kill(first.pid, SIGTERM)
            let took = try await Self.waitForLeader(cluster, key: leaderKey, prefix: "c2:", timeout: .seconds(15))
            let takeover = try #require(took.map { $0 - stopped }, "\(cluster.logs)")
            // The lease is 10 s; without the release the standby would wait all of it.
            #expect(takeover < .seconds(4), "c2 led \(takeover) after SIGTERM to c1\n\(cluster.logs)")
            let status = await first.waitForExit(timeout: .seconds(10))
            #expect(status.map(SpawnedProcess.exitCode) == 0, "\(cluster.logs)")
            #expect(first.logTail(lines: 50).contains("released leadership"), "\(first.logTail(lines: 50))")

            // The new leader takes in submissions.
            _ = try await cluster.queue.enqueueSubmission(
                runID: "after", fileName: "after.yaml", workflow: "name: after\nsteps:\n  - { id: a, type: echo }\n", params: [:])
            let run = try await cluster.queue.waitForRun("after", timeout: .seconds(15))
            #expect(run.tasks.count == 1)
        }
    }

    /// The moment the leader key first names a coordinator whose value starts with `prefix`.
    static func waitForLeader(
        _ cluster: ProcessCluster, key: String, prefix: String, timeout: Duration
    ) async throws -> ContinuousClock.Instant? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let holder = try await cluster.queue.redis.send("GET", .string(key)).string, holder.hasPrefix(prefix) {
                return ContinuousClock.now
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}
