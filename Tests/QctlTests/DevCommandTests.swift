import Foundation
import QrewQueue
import Testing

/// `qctl dev` with the real qctl and qrew-coordinator binaries and a stand-in `qrew-worker`
/// (a shell loop that exits 0 on SIGTERM) while the test claims and completes the tasks.
@Suite("qctl dev", .serialized)
struct DevCommandTests {
    /// A directory holding qctl and qrew-coordinator (hard links, or copies across file
    /// systems) and, if `fakeWorker`, a stand-in qrew-worker; returns the qctl path.
    static func installation(fakeWorker: Bool) throws -> String {
        let directory = try temporaryDirectory()
        for name in ["qctl", "qrew-coordinator"] {
            let source = QctlProcess.productsDirectory + "/" + name
            if link(source, directory + "/" + name) != 0 {
                try FileManager.default.copyItem(atPath: source, toPath: directory + "/" + name)
            }
        }
        if fakeWorker {
            let script = "#!/bin/sh\necho \"stand-in worker $*\"\ntrap 'echo draining; exit 0' TERM\nwhile :; do sleep 0.05; done\n"
            // O_CLOEXEC: a child forked meanwhile by a parallel test must not keep the file open
            // for writing, or exec'ing it fails with ETXTBSY.
            let fd = open(directory + "/qrew-worker", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
            #expect(fd >= 0)
            _ = script.utf8CString.withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count - 1) }
            close(fd)
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
            let qctl = try Self.installation(fakeWorker: true)
            let file = try temporaryFile("small.yaml", smallWorkflow)
            let dev = try QctlProcess(["dev", file, "--workers", "2"], environment: cluster.environment, executable: qctl)
            let submitted = await dev.waitForOutput("run small-")
            #expect(submitted, "\(dev.stdoutSoFar)\n\(dev.stderrSoFar)")
            let runs = try await cluster.queue.listRuns(limit: 1)
            let runID = try #require(runs.first?.id)
            try await cluster.work(runID)
            let result = await dev.wait(timeout: .seconds(30))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("namespace    qt"))
            #expect(result.stdout.contains("coordinator"))
            #expect(result.stdout.contains("worker-2"))
            #expect(result.stdout.contains("a | hello from a"))
            #expect(result.stdout.contains("run \(runID) succeeded"))
            let pids = Self.pids(in: result.stdout)
            #expect(pids.count == 3)
            #expect(pids.allSatisfy(Self.isGone))
            let logs = try #require(result.stderr.firstMatch(of: /logs are in (\S+)/)?.output.1)
            let workerLog = try String(contentsOfFile: "\(logs)/worker-1.log", encoding: .utf8)
            #expect(workerLog.contains("--namespace qt"))
            #expect(workerLog.contains("draining"))
            #expect(FileManager.default.fileExists(atPath: "\(logs)/coordinator.log"))
        }
    }

    @Test func ctrlCStopsItsOwnRedisAndChildren() async throws {
        let qctl = try Self.installation(fakeWorker: true)
        let file = try temporaryFile("small.yaml", smallWorkflow)
        let dev = try QctlProcess(["dev", file, "--workers", "1"], executable: qctl)
        #expect(await dev.waitForOutput("queued"))
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
        let qctl = try Self.installation(fakeWorker: false)
        let result = try await QctlProcess(["dev", try temporaryFile("small.yaml", smallWorkflow)], executable: qctl).wait()
        #expect(result.status == 1)
        #expect(result.stderr.contains("qrew-worker not found next to qctl"))
        #expect(!result.stdout.contains("pid"))
    }
}
