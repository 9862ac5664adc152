import Foundation
import QrewLocalCluster
import Testing

/// `qctl dev --keep` with the real binaries: it starts a qrew-web next to its cluster, prints
/// its URL and the export line, keeps everything up after the run until Ctrl-C, then stops it
/// all. A heavy suite (a whole cluster): Makefile CLUSTER_SUITES.
@Suite("DevDashboardTests", .serialized, .timeLimit(.minutes(2)))
struct DevDashboardTests {
    @Test func devKeepServesTheDashboardUntilCtrlC() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-dev-web-\(getpid())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let workflow = directory + "/small.yaml"
        try "name: small\nsteps:\n  - id: hello\n    run: [\"sh\", \"-c\", \"echo hello from dev\"]\n"
            .write(toFile: workflow, atomically: true, encoding: .utf8)
        let output = directory + "/stdout"
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LocalCluster.executableDirectory + "/qctl")
        process.arguments = ["dev", workflow, "--workers", "1", "--keep", "--web-port", "0"]
        var environment = ProcessInfo.processInfo.environment
        environment["QREW_REDIS_URL"] = nil
        environment["QREW_NAMESPACE"] = nil
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var text = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline, process.isRunning {
            text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if text.contains("export QREW_REDIS_URL=") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(text.contains("keeps running (--keep)"), "\(text)")
        #expect(text.contains("run small-") && text.contains("succeeded"))
        let port = try #require(text.firstMatch(of: /dashboard +http:\/\/127\.0\.0\.1:(\d+)\//).flatMap { Int($0.output.1) }, "\(text)")
        let webPID = try #require(text.firstMatch(of: /dashboard +\S+ pid (\d+)/).flatMap { pid_t($0.output.1) })
        #expect(text.contains("#/runs/small-"))
        #expect(text.contains("QREW_NAMESPACE=qrew"))

        // After the run, the cluster and the dashboard are still there.
        try await Task.sleep(for: .milliseconds(500))
        let client = HTTPTestClient(port: port)
        let runs = try client.get("/api/runs").json() as? [String: Any]
        let first = (runs?["runs"] as? [[String: Any]])?.first
        #expect(first?["state"] as? String == "succeeded")
        #expect(try client.get("/").status == 200)
        let config = try client.get("/api/config").json() as? [String: Any]
        #expect(config?["writes"] as? String == "anonymous")

        kill(process.processIdentifier, SIGINT)
        let stopBy = ContinuousClock.now + .seconds(30)
        while process.isRunning, ContinuousClock.now < stopBy { try await Task.sleep(for: .milliseconds(100)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        #expect(kill(webPID, 0) == -1, "qrew-web stopped with qctl dev")
    }
}
