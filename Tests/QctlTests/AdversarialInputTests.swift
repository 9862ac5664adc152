import Foundation
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// No input takes the cluster down: every adversarial file is a clear problem for qctl (exit 1,
/// never a trap), and pushed raw into a live cluster's submissions stream it ends as a stored
/// run while every coordinator keeps running.
@Suite("adversarial input", .serialized)
struct AdversarialInputTests {
    @Test func qctlValidateAndPlanReportEveryAdversarialFileWithoutTrapping() async throws {
        for (name, text) in AdversarialInputs.workflows {
            let path = try temporaryFile("\(name).yaml", text)
            for command in ["validate", "plan"] {
                let result = try await qctl(command, path)
                #expect(result.status == 1, "\(command) \(name): status \(result.status)\n\(result.stdout)\(result.stderr)")
                #expect(result.stderr.contains("nothing was queued"), "\(command) \(name): \(result.stderr)")
            }
        }
    }

    @Test func theIssuesFileNamesTheBoundWithItsLine() async throws {
        let path = try temporaryFile("huge.yaml", AdversarialInputs.workflows[0].text)
        let result = try await qctl("validate", path)
        #expect(result.stdout.contains("huge.yaml:6:15: step 'a': priority must be between -1,000,000 and 1,000,000"), "\(result.stdout)")
    }

    @Test func rawSubmissionsEndAsStoredRunsAndTheClusterGoesOn() async throws {
        try await withProcessCluster(namespace: "adv") { cluster in
            let coordinators = [
                try cluster.start("qrew-coordinator", ["--id", "c1", "--leader-lease", "1s"], name: "c1"),
                try cluster.start("qrew-coordinator", ["--id", "c2", "--leader-lease", "1s"], name: "c2"),
            ]
            try cluster.start("qrew-worker", ["--name", "w1"], name: "worker")
            let stream = RedisArgument.string(cluster.queue.keys.submissions)
            var runIDs: [String] = []
            for (index, (name, text)) in AdversarialInputs.workflows.enumerated() {
                let run = "adv-\(index)"
                runIDs.append(run)
                _ = try await cluster.queue.redis.send(
                    "XADD", stream, "*", "run", .string(run), "file", .string("\(name).yaml"), "workflow", .string(text), "params", "{}")
            }
            // Malformed entries: odd params, missing fields, bad run ids, non-UTF-8 bytes.
            let good = "name: ok\nsteps:\n  - id: a\n    type: echo\n"
            let extras: [[RedisArgument]] = [
                ["run", "adv-params-array", "workflow", .string(good), "params", "[1,2,3]"],
                ["run", "adv-params-garbage", "workflow", .string(good), "params", .bytes([0xff, 0xfe, 0x00])],
                ["run", "adv-no-workflow"],
                ["run", "adv-bytes", "workflow", .bytes([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc])],
                ["run", "a/b:c", "workflow", .string(good)],
                ["workflow", .string(good)],
                ["run", .string(String(repeating: "x", count: 10_000)), "workflow", .string(good)],
            ]
            for fields in extras {
                _ = try await cluster.queue.redis.send(["XADD", stream, "*"] + fields)
            }
            runIDs += ["adv-params-array", "adv-params-garbage", "adv-no-workflow", "adv-bytes"]
            for run in runIDs {
                let snapshot = try await cluster.queue.waitForRun(run, timeout: .seconds(20)) { $0.isFinished }
                #expect(["failed", "succeeded"].contains(snapshot.state), "\(run): \(snapshot.fields)")
                if run.hasPrefix("adv-"), Int(run.dropFirst(4)) != nil {
                    #expect(snapshot.state == "failed" && !(snapshot.fields["error"] ?? "").isEmpty, "\(run): \(snapshot.fields)")
                }
            }
            #expect(coordinators.allSatisfy { $0.exited == nil }, "a coordinator exited\n\(cluster.logs)")
            // The intake acknowledges a batch in the same write as its next read, moments after storing it.
            var left = try await cluster.queue.redis.send("XLEN", stream).int
            let deadline = ContinuousClock.now + .seconds(10)
            while left != 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                left = try await cluster.queue.redis.send("XLEN", stream).int
            }
            #expect(left == 0, "every entry was acknowledged")

            _ = try await cluster.queue.enqueueSubmission(runID: "after", fileName: "ok.yaml", workflow: good, params: [:])
            let after = try await cluster.queue.waitForRun("after", timeout: .seconds(15)) { $0.isFinished }
            #expect(after.state == "succeeded", "\(cluster.logs)")
        }
    }

    /// A text Foundation's JSON readers trap on: as `--data` it is invalid JSON; as a worker's
    /// stored heartbeat info `qctl workers` (and `--json`, the document of `GET /api/workers`)
    /// shows the worker with that info unread.
    @Test func textsFoundationTrapsOnAreRefusedNotTrapped() async throws {
        let signal = try await qctl("signal", "r1", "approved", "--data", FoundationTrap.text)
        #expect(signal.status == 2 && signal.stderr.contains("--data is not valid JSON"), "\(signal.status) \(signal.stderr)")
        try await withProcessCluster(namespace: "adv") { cluster in
            _ = try await cluster.queue.heartbeat(worker: "hostile", lease: .seconds(60), info: FoundationTrap.text, holding: [])
            let connection = ["--redis", cluster.server.url, "--namespace", cluster.namespace]
            for format in [[], ["--json"]] {
                let result = try await QctlProcess(["workers"] + format + connection, environment: [:]).wait(timeout: .seconds(30))
                #expect(result.status == 0 && result.stdout.contains("hostile"), "\(format): \(result.status) \(result.stdout)\(result.stderr)")
            }
        }
    }
}
