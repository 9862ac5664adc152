import Foundation
import QrewQueue
import Testing

/// `qctl submit` of a file of 256 KiB or more: qctl reads only the workflow's name, and the
/// coordinator, which parses every submission anyway, is the one that loads it: a valid file
/// runs under a run id made from its name, and a bad one comes back as the coordinator's
/// rejection with every problem located in the file, exit status 1. Heavy (a cluster): for the
/// Makefile's CLUSTER_SUITES.
@Suite("qctl submit of a big file (checked by the coordinator)", .serialized)
struct CoordinatorCheckedSubmissionTests {
    /// A workflow of `steps` echo steps in a chain, padded past 256 KiB with a long message,
    /// its name declared after the steps; `extra` is appended as the last step's lines.
    static func bigWorkflow(steps: Int, extra: String = "") -> String {
        let padding = String(repeating: "x", count: 300 * 1024 / steps)
        var text = "steps:\n"
        for index in 0..<steps {
            text += "  - id: s\(index)\n    type: echo\n    with: { message: \"\(padding)\" }\n"
            if index > 0 { text += "    dependsOn: [s\(index - 1)]\n" }
        }
        return text + extra + "name: big-chain\n"
    }

    @Test(.timeLimit(.minutes(2)))
    func aBigFileIsLoadedByTheCoordinatorAloneAndItsProblemsComeBackLocated() async throws {
        try await withProcessCluster(namespace: "bigsubmit") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "c1")
            try cluster.start("qrew-worker", ["--name", "w1"], name: "w1")
            let env = cluster.qctlEnvironment

            let valid = Self.bigWorkflow(steps: 20)
            #expect(valid.utf8.count >= 256 * 1024)
            let file = try temporaryFile("big.yaml", valid)
            let ran = try await qctl("submit", file, "--wait", environment: env, timeout: .seconds(60))
            #expect(ran.status == 0, "\(ran.stdout)\n\(ran.stderr)\n\(cluster.logs)")
            let id = ran.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.hasPrefix("big-chain-"), "\(id)")
            let run = try await cluster.queue.waitForRun(id, timeout: .seconds(30)) { $0.isFinished }
            #expect(run.state == "succeeded" && run.tasks.count == 20, "\(run.fields)")

            // An unknown dependency in the last step, on line 83 of the file.
            let bad = Self.bigWorkflow(steps: 20, extra: "  - id: last\n    type: echo\n    dependsOn: [nope]\n")
            let badFile = try temporaryFile("big-bad.yaml", bad)
            let rejected = try await qctl("submit", badFile, "--run-id", "bad-1", environment: env, timeout: .seconds(60))
            #expect(rejected.status == 1, "\(rejected.stdout)\n\(rejected.stderr)")
            #expect(rejected.stderr.contains("the coordinator rejected run bad-1"), "\(rejected.stderr)")
            #expect(rejected.stderr.contains("big-bad.yaml:83:17:") && rejected.stderr.contains("unknown step 'nope'"), "\(rejected.stderr)")
            // `validate` reports the same problem without a cluster.
            let validated = try await qctl("validate", badFile)
            #expect(validated.status == 1)
            #expect(validated.stdout.contains("big-bad.yaml:83:17:") && validated.stdout.contains("unknown step 'nope'"), "\(validated.stdout)")
        }
    }

    @Test func aSmallBadFileIsStillRefusedBeforeAnythingIsQueued() async throws {
        try await withProcessCluster(namespace: "smallsubmit") { cluster in
            let file = try temporaryFile("small-bad.yaml", "name: small\nsteps:\n  - id: a\n    dependsOn: [nope]\n    run: [true]\n")
            let refused = try await qctl("submit", file, environment: cluster.qctlEnvironment)
            #expect(refused.status == 1)
            #expect(refused.stdout.contains("small-bad.yaml:4:") && refused.stderr.contains("nothing was queued"), "\(refused.stdout)\n\(refused.stderr)")
            let queued = try await cluster.queue.redis.send("XLEN", .string(cluster.queue.keys.submissions)).int
            #expect(queued == 0)
        }
    }
}
