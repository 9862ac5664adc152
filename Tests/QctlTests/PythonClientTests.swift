import Foundation
import QrewRedis
import Testing

/// `examples/clients/follow.py` follows a run with redis-py using only docs/protocol.md: it
/// replays the run's stream and ends on `run_finished` with the run's status.
@Suite("Python client example")
struct PythonClientTests {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/clients/follow.py").path

    @Test func followsARunFromAnotherLanguage() async throws {
        // The python3 on PATH is the one `make test` and CI install redis-py into.
        guard let python = SpawnedProcess.findExecutable("python3") else {
            Issue.record("python3 is not installed; `make test` installs it with redis-py")
            return
        }
        try await withCluster { cluster in
            let submit = try QctlProcess(["submit", try temporaryFile("small.yaml", smallWorkflow), "--json"], environment: cluster.environment)
            let submitted = await submit.wait()
            let runID = try #require(submitted.stdout.firstMatch(of: /"id" *: *"([^"]+)"/).map { String($0.output.1) })
            try await cluster.work(runID)

            let follow = try QctlProcess(
                [Self.script, runID, "--redis", cluster.server.url, "--namespace", ClusterHarness.namespace],
                executable: python)
            let result = await follow.wait(timeout: .seconds(30))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            for task in ["a", "b", "c", "d"] {
                #expect(result.stdout.contains("succeeded \(task)"), "\(result.stdout)")
            }
            #expect(result.stdout.contains("a | hello from a"))
            #expect(result.stdout.hasSuffix("run \(runID) succeeded\n"))
        }
    }
}
