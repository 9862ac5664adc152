import Foundation
import QrewQueue
import QrewRedis
import Testing

/// One clock, Redis's: a coordinator whose host clock is 20 s ahead of its worker's neither
/// reaps a live lease early nor runs a task twice, and timestamps are ordered.
@Suite("clock skew", .serialized)
struct ClockSkewTests {
    static let workflow = """
        name: skew
        steps:
          - id: long
            type: sleep
            with: { duration: 4s }
            retries: { max: 3, on: [lost, failure, timeout], initial: 100ms }
          - id: after
            type: echo
            dependsOn: [long]
            with: { message: done }
        """

    /// How far ahead of this process's clock the timestamp that starts `log` is.
    static func skew(ofLog log: String) -> TimeInterval? {
        guard let stamp = log.split(separator: " ").first else { return nil }
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return format.date(from: String(stamp)).map { $0.timeIntervalSinceNow }
    }

    @Test func aCoordinator20SecondsAheadReapsNoLiveLease() async throws {
        try #require(SpawnedProcess.findExecutable("faketime") != nil, "faketime is not installed (scripts/install-deps.sh installs it)")
        try await withProcessCluster(namespace: "skew") { cluster in
            let skewed = ["FAKETIME_DONT_FAKE_MONOTONIC": "1"]
            let coordinator = try cluster.start("qrew-coordinator", ["--id", "ahead", "--lease", "3s"], name: "coordinator",
                                                wrapper: ["faketime", "-f", "+20s"], environment: skewed)
            try cluster.start("qrew-worker", ["--name", "behind", "--lease", "3s", "--concurrency", "2"], name: "worker")
            _ = try await cluster.queue.enqueueSubmission(runID: "skew-1", fileName: "skew.yaml", workflow: Self.workflow, params: [:])
            let run = try await cluster.queue.waitForRun("skew-1", timeout: .seconds(30)) { $0.isFinished }
            let skew = try #require(Self.skew(ofLog: coordinator.logTail(lines: 1)), "\(cluster.logs)")
            #expect(skew > 15 && skew < 25, "the coordinator's clock is \(skew) s ahead, not about 20 s")
            #expect(run.state == "succeeded", "\(cluster.logs)")
            for task in run.tasks {
                #expect(task["attempt"] == "1", "task \(task["id"] ?? "?") ran \(task["attempt"] ?? "?") times: \(task)\n\(cluster.logs)")
                let queued = Int(task["queuedAt"] ?? ""), started = Int(task["startedAt"] ?? ""), finished = Int(task["finishedAt"] ?? "")
                #expect(queued != nil && started != nil && finished != nil)
                if let queued, let started, let finished { #expect(queued <= started && started <= finished, "\(task)") }
            }
            let long = try #require(run.tasks.first { $0["id"] == "long" })
            let after = try #require(run.tasks.first { $0["id"] == "after" })
            #expect(Int(after["startedAt"] ?? "") ?? 0 >= Int(long["finishedAt"] ?? "") ?? .max)
            let events = try await cluster.queue.runEvents("skew-1")
            #expect(!events.contains { $0.fields["type"] == "task_retrying" }, "\(events.map(\.fields))")
        }
    }
}
