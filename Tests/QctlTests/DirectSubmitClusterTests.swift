import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// `qctl submit --direct` (docs/protocol.md, *Direct submission*) with real worker processes and
/// no coordinator at all: the run is stored by qctl itself, signed with the key the workers
/// check, and released and settled by the workers' `complete`. Heavy (a cluster per test): for
/// the Makefile's CLUSTER_SUITES.
@Suite("qctl submit --direct (real workers, no coordinator)", .serialized)
struct DirectSubmitClusterTests {
    static let workflow = """
        name: direct-cli
        steps:
          - id: fetch
            run: [echo, fetched]
          - id: left
            dependsOn: [fetch]
            run: [echo, left]
          - id: report
            dependsOn: [fetch, left]
            run: [echo, "got ${{ steps.fetch.output }}"]
        """

    @Test(.timeLimit(.minutes(2)))
    func aSignedRunStoredByQctlRunsToTheEndWithoutACoordinator() async throws {
        try await withProcessCluster(namespace: "direct") { cluster in
            let keys = try temporaryFile("keys", try SigningKey.newKeyLine(id: "k1") + "\n")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2", "--signing-key-file", keys], name: "w1")
            let file = try temporaryFile("direct.yaml", Self.workflow)
            let env = cluster.qctlEnvironment
            let result = try await qctl(
                "submit", file, "--direct", "--signing-key-file", keys, "--run-id", "d1", "--wait", environment: env, timeout: .seconds(60))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)\n\(cluster.logs)")
            #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "d1")
            let run = try await cluster.queue.waitForRun("d1", timeout: .seconds(30)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.fields)\n\(cluster.logs)")
            #expect(run.fields["traceId"]?.count == 32)
            for task in run.tasks { #expect(task["sig"]?.hasPrefix("k1:") == true, "\(task)") }
            #expect(run.tasks.first { $0["id"] == "report" }?["output"] == "got fetched", "\(run.tasks)")

            // The same id again stores nothing and follows the run that has it.
            let again = try await qctl("submit", file, "--direct", "--signing-key-file", keys, "--run-id", "d1", "--wait", environment: env)
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stderr.contains("run d1 already exists; nothing was stored"), "\(again.stderr)")

            // Without the key the workers refuse the tasks: nothing runs, and the dead letter says why.
            let unsigned = try await qctl("submit", file, "--direct", "--run-id", "d2", "--wait", environment: env, timeout: .seconds(60))
            #expect(unsigned.status != 0)
            let refused = try await cluster.queue.waitForRun("d2", timeout: .seconds(30)) { $0.isFinished }
            #expect(refused.state == "failed")
            let letter = try await cluster.queue.deadLetters(limit: 10).first { $0.ref == "d2/fetch" }
            #expect(letter?.reason.contains("signature refused: unsigned task") == true, "\(String(describing: letter))")
        }
    }

    @Test func whatDirectSubmissionRefusesStoresNothing() async throws {
        try await withProcessCluster(namespace: "direct") { cluster in
            let env = cluster.qctlEnvironment
            // Five steps of 205 matrix tasks (a step may have at most 256): 1,025 tasks.
            let values = (0..<205).map(String.init).joined(separator: ",")
            let steps = (0..<5).map { "  - id: part\($0)\n    matrix: { i: [\(values)] }\n    run: [echo, \"${{ matrix.i }}\"]\n" }
            let big = try temporaryFile("big.yaml", "name: big\nsteps:\n" + steps.joined())
            let tooBig = try await qctl("submit", big, "--direct", "--run-id", "big1", environment: env)
            #expect(tooBig.status != 0)
            #expect(tooBig.stderr.contains("makes 1025 tasks; --direct stores at most 1000"), "\(tooBig.stderr)")
            #expect(tooBig.stderr.contains("submit it without --direct"), "\(tooBig.stderr)")

            let invalid = try temporaryFile("invalid.yaml", "name: bad\nsteps:\n  - id: a\n    dependsOn: [nowhere]\n    run: [echo]\n")
            let rejected = try await qctl("submit", invalid, "--direct", "--run-id", "bad1", environment: env)
            #expect(rejected.status != 0)
            #expect(rejected.stdout.contains("nowhere"), "\(rejected.stdout)")
            #expect(rejected.stderr.contains("nothing was queued"), "\(rejected.stderr)")

            let keyed = try await qctl("submit", invalid, "--direct", "--idempotency-key", "k", environment: env)
            #expect(keyed.status != 0)
            #expect(keyed.stderr.contains("--direct cannot be combined with --idempotency-key"), "\(keyed.stderr)")
            let keyOnly = try await qctl("submit", invalid, "--signing-key-file", "/nonexistent", environment: env)
            #expect(keyOnly.stderr.contains("--signing-key-file is for --direct"), "\(keyOnly.stderr)")
            let missingKey = try await qctl("submit", big, "--direct", "--signing-key-file", "/nonexistent/key", environment: env)
            #expect(missingKey.status != 0)
            #expect(missingKey.stderr.contains("--signing-key-file"), "\(missingKey.stderr)")

            for run in ["big1", "bad1"] { #expect(try await cluster.queue.runFields(run) == nil, "\(run) stored") }
            #expect(try await cluster.queue.redis.send("XLEN", .string(cluster.queue.keys.submissions)).int ?? 0 == 0)
        }
    }
}
