import Foundation
import QrewQueue
import QrewRedis
import Testing

/// Poison quarantine: a submission that crashes a coordinator (a fault injected on purpose)
/// costs one coordinator, is stored as a rejected run by the next, and the cluster goes on.
@Suite("poison submissions", .serialized)
struct PoisonSubmissionTests {
    static let poison = """
        name: poison
        steps:
          - id: a
            type: echo
            with: { message: CRASH-ME }
        """
    static let normal = """
        name: normal
        steps:
          - id: a
            type: echo
            with: { message: hello }
        """

    @Test func aSubmissionThatCrashesACoordinatorIsRejectedByTheNextOne() async throws {
        try await withProcessCluster(namespace: "poison") { cluster in
            let faults = ["QREW_FAULT_CRASH_ON_SUBMISSION": "CRASH-ME"]
            let first = try cluster.start("qrew-coordinator", ["--id", "c1", "--leader-lease", "1s"], name: "c1", environment: faults)
            try await Task.sleep(for: .milliseconds(300))  // c1 leads
            let second = try cluster.start("qrew-coordinator", ["--id", "c2", "--leader-lease", "1s"], name: "c2", environment: faults)
            try cluster.start("qrew-worker", ["--name", "w1"], name: "worker")

            // Pushed raw into the stream, as any client of the protocol could.
            _ = try await cluster.queue.redis.send(
                "XADD", .string(cluster.queue.keys.submissions), "*", "run", "poison-1", "file", "poison.yaml",
                "workflow", .string(Self.poison), "params", "{}")
            let rejected = try await cluster.queue.waitForRun("poison-1", timeout: .seconds(20)) { $0.isFinished }
            #expect(rejected.state == "failed")
            #expect(rejected.fields["error"] == "this submission crashed a coordinator while being processed; it was not retried: poison.yaml",
                    "\(rejected.fields)\n\(cluster.logs)")
            // The crashed one exits once the Swift runtime's backtracer has written its report,
            // which can take seconds on a loaded machine.
            var exits = [first.exited, second.exited]
            let exitDeadline = ContinuousClock.now + .seconds(15)
            while exits.compactMap({ $0 }).isEmpty, ContinuousClock.now < exitDeadline {
                try await Task.sleep(for: .milliseconds(50))
                exits = [first.exited, second.exited]
            }
            #expect(exits.compactMap { $0 }.count == 1, "exactly one coordinator crashed: \(exits)\n\(cluster.logs)")
            // The coordinator acknowledges (and deletes) the entry just after it stores the rejection.
            var left = try await cluster.queue.redis.send("XLEN", .string(cluster.queue.keys.submissions)).int
            let deadline = ContinuousClock.now + .seconds(10)
            while left != 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                left = try await cluster.queue.redis.send("XLEN", .string(cluster.queue.keys.submissions)).int
            }
            #expect(left == 0)

            _ = try await cluster.queue.enqueueSubmission(runID: "normal-1", fileName: "normal.yaml", workflow: Self.normal, params: [:])
            let normal = try await cluster.queue.waitForRun("normal-1", timeout: .seconds(15)) { $0.isFinished }
            #expect(normal.state == "succeeded", "\(cluster.logs)")
        }
    }

    @Test func aCoordinatorKilledWhileStoringABigRunIsResumedNotRejected() async throws {
        try await withProcessCluster(namespace: "resume") { cluster in
            let steps = (0..<4000).map { "  - { id: s\($0), type: echo, with: { message: m } }\n" }.joined()
            let workflow = "name: big\nsteps:\n" + steps
            let first = try cluster.start("qrew-coordinator", ["--id", "c1", "--leader-lease", "1s", "--store-slice", "1"], name: "c1")
            try await Task.sleep(for: .milliseconds(300))
            _ = try await cluster.queue.enqueueSubmission(runID: "big-1", fileName: "big.yaml", workflow: workflow, params: [:])
            // Kill it while the run is stored in part.
            var stored = 0
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                stored = Int(try await cluster.queue.runFields("big-1")?["stored"] ?? "") ?? 0
                if stored > 0 { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            kill(first.pid, SIGKILL)
            _ = await first.waitForExit(timeout: .seconds(5))
            let storedAtKill = Int(try await cluster.queue.runFields("big-1")?["stored"] ?? "") ?? 0
            try #require(storedAtKill > 0 && storedAtKill < 4000, "killed with \(storedAtKill) of 4000 tasks stored; the test needs a run stored in part")

            try cluster.start("qrew-coordinator", ["--id", "c2", "--leader-lease", "1s"], name: "c2")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "64"], name: "worker")
            let run = try await cluster.queue.waitForRun("big-1", timeout: .seconds(60)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.fields)\n\(cluster.logs)")
            #expect(run.fields["error"] == nil)
            #expect(run.tasks.count == 4000)
        }
    }
}
