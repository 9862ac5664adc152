import Foundation
import QrewQueue
import Testing

/// `qctl dev` with the real qctl, qrew-coordinator and qrew-worker binaries, installed together
/// in a temporary directory as they would be on a machine.
@Suite("qctl dev", .serialized)
struct DevCommandTests {
    /// A directory holding qctl, qrew-coordinator and (if `withWorker`) qrew-worker (hard
    /// links, or copies across file systems); returns the qctl path.
    static func installation(withWorker: Bool) throws -> String {
        let directory = try temporaryDirectory()
        for name in ["qctl", "qrew-coordinator"] + (withWorker ? ["qrew-worker"] : []) {
            let source = QctlProcess.productsDirectory + "/" + name
            if link(source, directory + "/" + name) != 0 {
                try FileManager.default.copyItem(atPath: source, toPath: directory + "/" + name)
            }
        }
        return directory + "/qctl"
    }

    /// The pids the header lists (`pid N`).
    static func pids(in header: String) -> [pid_t] {
        header.matches(of: /pid (\d+)/).compactMap { pid_t($0.output.1) }
    }

    static func isGone(_ pid: pid_t) -> Bool {
        kill(pid, 0) == -1 && errno == ESRCH
    }

    @Test func runsAWorkflowOnItsClusterAndStopsEverything() async throws {
        try await withCluster(coordinator: false) { cluster in
            let qctl = try Self.installation(withWorker: true)
            let file = try temporaryFile("small.yaml", smallWorkflow)
            let dev = try QctlProcess(["dev", file, "--workers", "2"], environment: cluster.environment, executable: qctl)
            let submitted = await dev.waitForOutput("run small-")
            #expect(submitted, "\(dev.stdoutSoFar)\n\(dev.stderrSoFar)")
            let runs = try await cluster.queue.listRuns(limit: 1)
            let runID = try #require(runs.first?.id)
            let result = await dev.wait(timeout: .seconds(30))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("namespace    qt"))
            #expect(result.stdout.contains("coordinator"))
            #expect(result.stdout.contains("worker-2"))
            #expect(result.stdout.contains("d | d"))
            #expect(result.stdout.contains("run \(runID) succeeded"))
            let pids = Self.pids(in: result.stdout)
            #expect(pids.count == 3)
            #expect(pids.allSatisfy(Self.isGone))
            let logs = try #require(result.stderr.firstMatch(of: /logs are in (\S+)/)?.output.1)
            let workerLog = try String(contentsOfFile: "\(logs)/worker-1.log", encoding: .utf8)
            #expect(workerLog.contains("draining"))
            #expect(FileManager.default.fileExists(atPath: "\(logs)/coordinator.log"))
        }
    }

    @Test func ctrlCStopsItsOwnRedisAndChildren() async throws {
        let qctl = try Self.installation(withWorker: true)
        let file = try temporaryFile("long.yaml", "name: long\nsteps:\n  - id: wait\n    run: [sleep, \"30\"]\n")
        let dev = try QctlProcess(["dev", file, "--workers", "1"], executable: qctl)
        #expect(await dev.waitForOutput("started"))
        let header = dev.stdoutSoFar
        let port = try #require(header.firstMatch(of: /port (\d+)/).flatMap { Int($0.output.1) })
        kill(dev.pid, SIGINT)
        let result = await dev.wait(timeout: .seconds(20))
        #expect(result.status == 1)
        #expect(result.stderr.contains("interrupted (SIGINT)"))
        #expect(Self.pids(in: header).allSatisfy(Self.isGone))
        let probe = try QctlProcess(["list", "--redis", "redis://127.0.0.1:\(port)"])
        #expect(await probe.wait().status == 1)
    }

    @Test func saysWhichExecutableIsMissingAndStartsNothing() async throws {
        let qctl = try Self.installation(withWorker: false)
        let result = try await QctlProcess(["dev", try temporaryFile("small.yaml", smallWorkflow)], executable: qctl).wait()
        #expect(result.status == 1)
        #expect(result.stderr.contains("qrew-worker not found in"))
        #expect(!result.stdout.contains("pid"))
    }
}
