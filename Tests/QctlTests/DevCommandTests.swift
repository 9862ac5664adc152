import Foundation
import QrewQueue
import QrewTestSupport
import Testing

/// `qctl dev` with the real qctl, qrew-coordinator and qrew-worker binaries, installed together
/// in a temporary directory as they would be on a machine.
@Suite("qctl dev", .serialized)
struct DevCommandTests {
    /// A directory holding qctl, qrew-coordinator, qrew-supervise and (if `withWorker`)
    /// qrew-worker (hard links, or copies across file systems); returns the qctl path.
    static func installation(withWorker: Bool) throws -> String {
        let directory = try temporaryDirectory()
        for name in ["qctl", "qrew-coordinator", "qrew-supervise"] + (withWorker ? ["qrew-worker"] : []) {
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
            let dev = try QctlProcess(
                ["dev", file, "--workers", "2", "--log-level", "debug"], environment: cluster.environment, executable: qctl)
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
            // A worker that ran the work drained on the way out (on a loaded machine the other one
            // may still have been starting when the run ended, and have no log yet).
            let workerLogs = ["worker-1", "worker-2"].map { (try? String(contentsOfFile: "\(logs)/\($0).log", encoding: .utf8)) ?? "" }
            #expect(workerLogs.contains { $0.contains("draining") }, "\(workerLogs)")
            // --log-level reached the children: claims are logged at debug.
            #expect(workerLogs.contains { $0.contains(" debug: claimed ") }, "\(workerLogs)")
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

    /// qctl dev killed outright (no Ctrl-C, no cleanup): its redis-server, coordinator, worker
    /// and the worker's task, grandchild included, go with it.
    @Test func sigkillLeavesNothingItStartedRunning() async throws {
        let qctl = try Self.installation(withWorker: true)
        let pidFile = try temporaryDirectory() + "/pids"
        let file = try temporaryFile("doomed.yaml", """
            name: doomed
            steps:
              - id: wait
                run: ["sh", "-c", "sleep 60 & echo $$ $! >> \(pidFile); wait"]
            """)
        let dev = try QctlProcess(["dev", file, "--workers", "1"], executable: qctl)
        let taskPIDs = await ProcessProbe.pids(in: pidFile, count: 2, within: .seconds(20))
        try #require(taskPIDs.count == 2, "the task did not start:\n\(dev.stdoutSoFar)\n\(dev.stderrSoFar)")
        let header = dev.stdoutSoFar
        let port = try #require(header.firstMatch(of: /port (\d+)/).flatMap { Int($0.output.1) })
        let redisPID = try #require(Self.redisServer(port: port), "no redis-server on port \(port)")
        let pids = Self.pids(in: header) + [redisPID] + taskPIDs
        #expect(pids.count == 5 && pids.allSatisfy(ProcessProbe.isAlive))

        kill(dev.pid, SIGKILL)
        let survivors = await ProcessProbe.survivors(of: pids, within: .seconds(1))
        #expect(survivors.isEmpty, "still running a second after qctl dev was killed: \(survivors) of \(pids)")
        #expect(await dev.wait(timeout: .seconds(5)).status == 128 + SIGKILL)
        for pid in survivors { kill(pid, SIGKILL) }
    }

    /// The redis-server started for `port` (`--port N` on its command line, or `:N` in the
    /// process title it may set).
    static func redisServer(port: Int) -> pid_t? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(pid_t.init).first { pid in
            guard (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("redis-server") == true else {
                return false
            }
            let words = ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "")
                .split(whereSeparator: { $0 == "\0" || $0 == " " })
            return words.contains { $0 == "\(port)" || $0.hasSuffix(":\(port)") }
        }
    }

    @Test func aLogLevelThatIsNoLevelIsRefused() async throws {
        let result = try await qctl("dev", "--log-level", "loud", try temporaryFile("small.yaml", smallWorkflow))
        #expect(result.status != 0)
        #expect(result.stderr.contains("--log-level: 'loud' is not a level; use trace, debug, info"), "\(result.stderr)")
    }

    @Test func saysWhichExecutableIsMissingAndStartsNothing() async throws {
        let qctl = try Self.installation(withWorker: false)
        let result = try await QctlProcess(["dev", try temporaryFile("small.yaml", smallWorkflow)], executable: qctl).wait()
        #expect(result.status == 1)
        #expect(result.stderr.contains("qrew-worker not found in"))
        #expect(!result.stdout.contains("pid"))
    }
}
