import Foundation
import Testing

/// The dashboard in headless Chromium against a live cluster (Tests/QrewWebTests/Browser):
/// a running run's page changes live, a task's output shows, the run is canceled from the
/// page, and a 10,000-task run's page loads in under 2 s. Writes the run page of
/// examples/ci-pipeline.yaml to docs/dashboard-run.png when QREW_UPDATE_SCREENSHOT=1.
/// A heavy suite (a whole cluster and a browser): Makefile CLUSTER_SUITES.
@Suite("DashboardBrowserTests", .serialized, .timeLimit(.minutes(8)))
struct DashboardBrowserTests {
    static let ready = PythonTool.hasExecutable("/usr/bin/chromium") && PythonTool.hasExecutable("/usr/bin/chromedriver")
        && PythonTool.hasModule("selenium")

    /// 40 matrix steps of 250 tasks between a first and a last task: 10,002 tasks. The first
    /// waits until `release` exists, so the page is measured while the run is under way.
    static func bigWorkflow(release: String) -> String {
        let values = (0..<250).map(String.init).joined(separator: ", ")
        var text = "name: web-big\nsteps:\n  - id: root\n    run: [\"sh\", \"-c\", \"while [ ! -f \(release) ]; do sleep 0.1; done\"]\n"
        for step in 0..<40 {
            text += "  - id: work-\(step)\n    dependsOn: [root]\n    matrix: { n: [\(values)] }\n    run: [\"true\"]\n"
        }
        text += "  - id: last\n    dependsOn: [\((0..<40).map { "work-\($0)" }.joined(separator: ", "))]\n    run: [\"true\"]\n"
        return text
    }

    @Test(.enabled(if: ready, "chromium, chromium-driver (Debian) or selenium (PyPI) missing; scripts/install-deps.sh installs them"))
    func theDashboardIsLiveInABrowser() async throws {
        try await withWebCluster(namespace: "webbrowser", workers: 2) { web in
            // The first task waits for the browser to have drawn the page (it creates the file).
            let release = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-web-release-\(getpid())").path
            try? FileManager.default.removeItem(atPath: release)
            defer { try? FileManager.default.removeItem(atPath: release) }
            let live = try web.submit("""
                name: web-live
                steps:
                  - id: first
                    run: ["sh", "-c", "while [ ! -f \(release) ]; do sleep 0.1; done; echo hello from first"]
                  - id: long
                    dependsOn: [first]
                    run: ["sh", "-c", "echo waiting; sleep 120"]
                  - id: after
                    dependsOn: [long]
                    run: ["true"]
                """)
            let example = try web.submit(
                try String(contentsOfFile: PythonTool.repositoryRoot + "/examples/ci-pipeline.yaml", encoding: .utf8),
                query: "?file=ci-pipeline.yaml")
            let bigRelease = release + "-big"
            defer { try? FileManager.default.removeItem(atPath: bigRelease) }
            let big = try web.submit(Self.bigWorkflow(release: bigRelease))
            let update = ProcessInfo.processInfo.environment["QREW_UPDATE_SCREENSHOT"] == "1"
            let shot = update ? PythonTool.repositoryRoot + "/docs/dashboard-run.png"
                : FileManager.default.temporaryDirectory.appendingPathComponent("qrew-dashboard-\(getpid()).png").path
            let result = try PythonTool.run("python3", [
                PythonTool.repositoryRoot + "/Tests/QrewWebTests/Browser/dashboard_test.py",
                "--base", "http://127.0.0.1:\(web.port)", "--live-run", live, "--release-file", release, "--big-run", big, "--big-tasks", "10002", "--big-release-file", bigRelease,
                "--example-run", example, "--screenshot", shot,
            ], timeout: .seconds(360))
            _ = try? web.client.post("/api/runs/\(big)/cancel")
            try #require(result.status == 0, "\(result.output.suffix(4000))\n\(web.logs)")
            let line = result.output.split(separator: "\n").last { $0.hasPrefix("{") } ?? ""
            let report = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            let loads = ((report["big"] as? [String: Any])?["loads"] as? [[String: Any]] ?? []).compactMap { $0["navigationToDrawnMs"] as? Int }
            print("dashboard: 10,002-task run page loads (navigation to DAG drawn, ms): \(loads); \(line)")
            #expect(loads.count == 3)
            #expect(loads.sorted()[1] < 2000, "median load of the 10,002-task run page: \(loads) ms")
            #expect(FileManager.default.fileExists(atPath: shot))
            if !update { try? FileManager.default.removeItem(atPath: shot) }
        }
    }
}
