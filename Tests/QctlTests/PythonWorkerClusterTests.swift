import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// `examples/workers/worker.py`, a worker written in Python from docs/protocol.md alone, on real
/// coordinator and Swift worker processes: a mixed cluster shares a run, and a Python-only
/// cluster runs echo and shell tasks, retries, timeouts and a drain (heavy: a cluster per test;
/// for the Makefile's CLUSTER_SUITES).
@Suite("Python worker on a cluster", .serialized, .enabled(if: PythonWorker.available, PythonWorker.missing))
struct PythonWorkerClusterTests {
    private static let mixedWorkflow = """
        name: mixed
        steps:
          - id: greet
            type: echo
            matrix: { n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }
            with: { message: "hello ${{ matrix.n }}" }
          - id: work
            type: shell
            matrix: { n: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }
            shell: true
            run: ['echo "$QREW_TASK_ID" >> "$LEDGER"; echo "line one"; sleep 0.2; echo "done ${{ matrix.n }} $CHECK"']
            env: { LEDGER: "LEDGER_PATH", CHECK: ok }
          - id: nap
            type: sleep
            with: { duration: 10ms }
        """

    @Test(.timeLimit(.minutes(2)))
    func aMixedClusterSharesARunAndEveryTaskRunsOnce() async throws {
        let ledger = try temporaryDirectory() + "/ledger"
        try await withPythonCluster(namespace: "pymix") { cluster, python in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2"], name: "w1")
            try python.start(["--name", "py1", "--concurrency", "2"], name: "py1")
            try await waitForWorkers(["w1", "py1"], cluster)

            let file = try temporaryFile("mixed.yaml", Self.mixedWorkflow.replacingOccurrences(of: "LEDGER_PATH", with: ledger))
            let submitted = try await qctl("submit", file, "--run-id", "mix-1", environment: cluster.qctlEnvironment)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let run = try await cluster.queue.waitForRun("mix-1", timeout: .seconds(90)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.fields)\n\(cluster.logs)\n\(python.logs)")

            let events = try await allEvents("mix-1", cluster.queue)
            var startedOn: [String: [String]] = [:]
            for event in events where event["type"] == "task_started" {
                startedOn[event["task"] ?? "", default: []].append(event["worker"] ?? "")
            }
            let handedBack = events.filter { $0["type"] == "task_handed_back" }.compactMap { $0["task"] }
            for task in run.tasks {
                let id = task["id"] ?? ""
                #expect(task["state"] == "succeeded", "\(id): \(task)")
                #expect(task["attempt"] == "1", "\(id) attempts: \(task)")
                if id == "nap" {
                    // The Python worker does not serve `sleep`: it hands it back for w1.
                    #expect(startedOn[id]?.last == "w1", "\(startedOn[id] ?? [])")
                    #expect(handedBack.allSatisfy { $0 == "nap" }, "\(handedBack)")
                } else {
                    #expect(startedOn[id]?.count == 1, "\(id) started \(startedOn[id] ?? [])")
                }
            }
            let ranOn = Set(startedOn.filter { $0.key != "nap" }.values.flatMap { $0 })
            #expect(ranOn == ["w1", "py1"], "both workers take tasks: \(startedOn)")

            for n in 1...12 {
                let greet = run.tasks.first { $0["id"] == "greet[n=\(n)]" }
                #expect(greet?["output"] == "hello \(n)", "\(greet ?? [:])")
                let id = "work[n=\(n)]"
                let work = run.tasks.first { $0["id"] == id }
                #expect(work?["output"] == "done \(n) ok", "\(work ?? [:])")
                #expect(work?["exitCode"] == "0")
                #expect(printed(id, in: events) == "line one\ndone \(n) ok", "\(id) on \(startedOn[id] ?? [])")
            }
            // Each shell task ran exactly once: one ledger line per task.
            let lines = try String(contentsOfFile: ledger, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(lines.sorted() == (1...12).map { "work[n=\($0)]" }.sorted(), "\(lines)")
        }
    }

    /// The example workflows made of echo and shell steps (a dynamic fan-out, progress reports,
    /// pools, retries) run end to end on a coordinator, a Swift worker and a Python worker.
    @Test(.timeLimit(.minutes(3)))
    func theExampleWorkflowsSucceedOnAMixedCluster() async throws {
        let examples = ["ci-pipeline", "fanout", "progress", "dynamic-fan-out"]
        try await withPythonCluster(namespace: "pyexamples") { cluster, python in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2"], name: "w1")
            try python.start(["--name", "py1", "--concurrency", "2"], name: "py1")
            try await waitForWorkers(["w1", "py1"], cluster)
            for example in examples {
                let file = ExampleWorkflowTests.examples + "/\(example).yaml"
                let submitted = try await qctl("submit", file, "--run-id", example, environment: cluster.qctlEnvironment)
                #expect(submitted.status == 0, "\(example): \(submitted.stderr)")
            }
            var workers: Set<String> = []
            for example in examples {
                let run = try await cluster.queue.waitForRun(example, timeout: .seconds(120)) { $0.isFinished }
                #expect(run.state == "succeeded", "\(example): \(run.fields)\n\(cluster.logs)\n\(python.logs)")
                let events = try await allEvents(example, cluster.queue)
                var finished: [String: Int] = [:]
                for event in events where event["type"] == "task_finished" { finished[event["task"] ?? "", default: 0] += 1 }
                for task in run.tasks {
                    let id = task["id"] ?? ""
                    #expect(task["state"] == "succeeded", "\(example) \(id): \(task)")
                    #expect(finished[id] == 1, "\(example) \(id) finished \(finished[id] ?? 0) times")
                }
                workers.formUnion(events.filter { $0["type"] == "task_started" }.compactMap { $0["worker"] })
            }
            #expect(workers.isSuperset(of: ["w1", "py1"]), "\(workers)")
        }
    }

    private static let pythonOnlyWorkflow = """
        name: python-only
        steps:
          - id: hello
            type: echo
            with: { message: hi }
          - id: render
            dependsOn: [hello]
            type: shell
            run: ["sh", "-c", 'echo "$1 $GREETING"', "sh", "${{ steps.hello.output }} ${{ run.id }}"]
            env: { GREETING: "from python" }
          - id: file
            type: shell
            run: ["sh", "-c", "echo ignored; printf 'from the file\\\\n\\\\n' > \\"$QREW_OUTPUT\\""]
          - id: chatty
            type: shell
            shell: true
            run: ["for i in $(seq 1 150); do echo line-$i; done; sleep 0.5; echo last"]
          - id: broken
            type: shell
            continueOnError: true
            run: ["sh", "-c", "echo oops >&2; exit 3"]
          - id: slow
            type: shell
            continueOnError: true
            timeout: 1s
            run: ["sleep", "30"]
          - id: flaky
            type: shell
            retries: { max: 2, backoff: fixed, initial: 100ms, jitter: false }
            shell: true
            run: ['[ "$QREW_ATTEMPT" = 2 ] || { echo "attempt $QREW_ATTEMPT fails" >&2; exit 1; }; echo "second try"']
          - id: progress
            type: shell
            shell: true
            run: ['echo "50% half way" >> "$QREW_PROGRESS"; sleep 0.5; printf "100%%" >> "$QREW_PROGRESS"']
          - id: silent
            type: shell
            continueOnError: true
            heartbeatTimeout: 1s
            run: ["sleep", "30"]
          - id: traced
            type: shell
            run: ["sh", "-c", 'echo "$TRACEPARENT"']
        """

    @Test(.timeLimit(.minutes(2)))
    func aPythonWorkerAloneRunsEchoAndShellTasks() async throws {
        try await withPythonCluster(namespace: "pyonly") { cluster, python in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try python.start(["--name", "py1", "--concurrency", "4"], name: "py1")

            let file = try temporaryFile("python-only.yaml", Self.pythonOnlyWorkflow)
            let submitted = try await qctl("submit", file, "--run-id", "py-1", environment: cluster.qctlEnvironment)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let run = try await cluster.queue.waitForRun("py-1", timeout: .seconds(90)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.fields)\n\(cluster.logs)\n\(python.logs)")
            var tasks: [String: [String: String]] = [:]
            for task in run.tasks { tasks[task["id"] ?? ""] = task }

            #expect(tasks["hello"]?["output"] == "hi")
            #expect(tasks["render"]?["output"] == "hi py-1 from python", "\(tasks["render"] ?? [:])")
            #expect(tasks["file"]?["output"] == "from the file", "\(tasks["file"] ?? [:])")
            #expect(tasks["chatty"]?["output"] == "last")
            #expect(tasks["broken"]?["state"] == "failed")
            #expect(tasks["broken"]?["exitCode"] == "3")
            #expect(tasks["broken"]?["error"] == "exited with status 3: oops", "\(tasks["broken"] ?? [:])")
            #expect(tasks["slow"]?["state"] == "timed_out")
            #expect(tasks["slow"]?["error"] == "timed out after 1s", "\(tasks["slow"] ?? [:])")
            #expect(tasks["flaky"]?["state"] == "succeeded", "\(tasks["flaky"] ?? [:])")
            #expect(tasks["flaky"]?["attempt"] == "2")
            #expect(tasks["flaky"]?["output"] == "second try")
            #expect(tasks["progress"]?["progress"] == "100", "an unfinished last line counts: \(tasks["progress"] ?? [:])")
            #expect(tasks["silent"]?["state"] == "lost")
            #expect(tasks["silent"]?["error"] == "heartbeat timeout: no progress for 1s", "\(tasks["silent"] ?? [:])")
            // The attempt is a span of the run's trace: TRACEPARENT names it, and complete stored it.
            let traceID = try #require(run.fields["traceId"]), flags = try #require(run.fields["traceFlags"])
            let span = try #require(tasks["traced"]?["spanId"])
            #expect(span.count == 16 && span.allSatisfy(\.isHexDigit), "\(span)")
            #expect(tasks["traced"]?["output"] == "00-\(traceID)-\(span)-\(flags)", "\(tasks["traced"] ?? [:])")

            let events = try await allEvents("py-1", cluster.queue)
            let expected = (1...150).map { "line-\($0)" } + ["last"]
            #expect(printed("chatty", in: events) == expected.joined(separator: "\n"))
            // The first 150 lines were streamed while the task slept, in batches of at most 64.
            let streamed = events.filter { $0["type"] == "output" && $0["task"] == "chatty" }
            #expect(streamed.count >= 3, "\(streamed.count) output events")
            #expect(streamed.allSatisfy { ($0["lines"] ?? "").split(separator: "\n").count <= 64 })
            #expect(events.contains { $0["type"] == "task_retrying" && $0["task"] == "flaky" })
            #expect(events.contains {
                $0["type"] == "task_progress" && $0["task"] == "progress" && $0["percent"] == "50" && $0["message"] == "half way"
            })
            #expect(events.filter { $0["type"] == "task_started" }.allSatisfy { $0["worker"] == "py1" })
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aDrainingPythonWorkerHandsItsTaskBackAndExits() async throws {
        let ledger = try temporaryDirectory() + "/ledger"
        try await withPythonCluster(namespace: "pydrain") { cluster, python in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            let first = try python.start(["--name", "py1", "--drain-time", "0.2"], name: "py1")
            let file = try temporaryFile("drain.yaml", """
                name: drain
                steps:
                  - id: long
                    type: shell
                    shell: true
                    run: ['echo start >> "\(ledger)"; sleep 3; echo end >> "\(ledger)"']
                """)
            let submitted = try await qctl("submit", file, "--run-id", "drain-1", environment: cluster.qctlEnvironment)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            _ = try await cluster.queue.waitForRun("drain-1", timeout: .seconds(30)) { run in
                run.tasks.first?["state"] == "running"
            }
            kill(first.pid, SIGTERM)
            let status = await first.waitForExit(timeout: .seconds(20))
            #expect(status.map(SpawnedProcess.exitCode) == 0, "\(python.logs)")
            let handedBack = try await cluster.queue.waitForRun("drain-1", timeout: .seconds(10)) { run in
                run.tasks.first?["state"] == "ready"
            }
            #expect(handedBack.tasks.first?["attempt"] == "0", "the hand-back does not count an attempt")

            try python.start(["--name", "py2"], name: "py2")
            let run = try await cluster.queue.waitForRun("drain-1", timeout: .seconds(60)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.fields)\n\(python.logs)")
            // The first attempt was killed by the drain: it never wrote `end`.
            let lines = try String(contentsOfFile: ledger, encoding: .utf8).split(separator: "\n")
            #expect(lines == ["start", "start", "end"], "\(lines)")
            let events = try await allEvents("drain-1", cluster.queue)
            #expect(events.contains { $0["type"] == "task_handed_back" && $0["task"] == "long" })
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aCanceledTaskStopsOnThePythonWorkerWithNoResult() async throws {
        let pidFile = try temporaryDirectory() + "/pid"
        try await withPythonCluster(namespace: "pycancel") { cluster, python in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try python.start(["--name", "py1"], name: "py1")
            let file = try temporaryFile("cancel.yaml", """
                name: cancel
                steps:
                  - id: long
                    type: shell
                    shell: true
                    run: ['echo $$ > "\(pidFile)"; exec sleep 60']
                """)
            let submitted = try await qctl("submit", file, "--run-id", "cancel-1", environment: cluster.qctlEnvironment)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let pid = try #require(await ProcessProbe.pids(in: pidFile, count: 1).first, "\(python.logs)")
            let canceled = try await qctl("cancel", "cancel-1", environment: cluster.qctlEnvironment)
            #expect(canceled.status == 0, "\(canceled.stderr)")
            let run = try await cluster.queue.waitForRun("cancel-1", timeout: .seconds(30)) { $0.isFinished }
            #expect(run.state == "canceled")
            #expect(run.tasks.first?["state"] == "canceled")
            #expect(await ProcessProbe.survivors(of: [pid], within: .seconds(10)).isEmpty, "the task's process is stopped")
            let events = try await allEvents("cancel-1", cluster.queue)
            #expect(events.filter { $0["type"] == "task_finished" }.map { $0["state"] } == ["canceled"], "\(events)")
        }
    }

    /// A worker that stops heartbeating loses its lease: the task runs again elsewhere, and the
    /// first worker's late result is refused (fencing by token), so it is recorded once.
    @Test(.timeLimit(.minutes(2)))
    func aLostLeaseIsRunAgainElsewhereAndTheLateResultIsRefused() async throws {
        let ledger = try temporaryDirectory() + "/ledger"
        try await withPythonCluster(namespace: "pylease") { cluster, python in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            let paused = try python.start(["--name", "py1", "--lease", "2"], name: "py1")
            let file = try temporaryFile("lease.yaml", """
                name: lease
                steps:
                  - id: long
                    type: shell
                    shell: true
                    retries: { max: 1, initial: 100ms, jitter: false, on: [lost] }
                    run: ['echo "start $QREW_ATTEMPT" >> "\(ledger)"; sleep 3; echo "end $QREW_ATTEMPT" >> "\(ledger)"; echo "attempt $QREW_ATTEMPT"']
                """)
            let submitted = try await qctl("submit", file, "--run-id", "lease-1", environment: cluster.qctlEnvironment)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            _ = try await cluster.queue.waitForRun("lease-1", timeout: .seconds(30)) { $0.tasks.first?["state"] == "running" }
            // Frozen, py1 sends no heartbeat; its task's process (a session of its own) runs on.
            kill(paused.pid, SIGSTOP)
            defer { kill(paused.pid, SIGCONT) }
            try cluster.start("qrew-worker", ["--name", "w1"], name: "w1")
            _ = try await cluster.queue.waitForRun("lease-1", timeout: .seconds(30)) { run in
                run.tasks.first?["worker"] == "w1" && run.tasks.first?["attempt"] == "2"
            }
            kill(paused.pid, SIGCONT)
            let run = try await cluster.queue.waitForRun("lease-1", timeout: .seconds(30)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.fields)\n\(cluster.logs)\n\(python.logs)")
            #expect(run.tasks.first?["output"] == "attempt 2", "the second attempt's result is the one recorded")
            let events = try await allEvents("lease-1", cluster.queue)
            #expect(events.filter { $0["type"] == "task_finished" }.count == 1, "\(events)")
            #expect(events.contains { $0["type"] == "task_retrying" && $0["outcome"] == "lost" }, "\(events)")
            // py1 learns it lost the lease (heartbeat) or has its late result refused (stale token).
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline, !python.logs.contains("lease-1/long") {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(python.logs.contains("lease of lease-1/long lost") || python.logs.contains("result of lease-1/long refused"),
                    "\(python.logs)")
        }
    }

    /// With --signing-key-file the Python worker runs signed tasks and refuses a forged one
    /// (stdlib `hmac` over the canonical bytes of docs/protocol.md, *Signed tasks*): nothing runs,
    /// the task fails with the reason, as on the Swift worker.
    @Test(.timeLimit(.minutes(2)))
    func aSigningPythonWorkerRunsSignedTasksAndRefusesForgedOnes() async throws {
        let side = try temporaryDirectory() + "/forged"
        try await withPythonCluster(namespace: "pysig") { cluster, python in
            let keys = try temporaryFile("keys", try SigningKey.newKeyLine(id: "k1") + "\n")
            try cluster.start("qrew-coordinator", ["--id", "c1", "--signing-key-file", keys], name: "coordinator")
            try python.start(["--name", "py1", "--signing-key-file", keys], name: "py1")
            let file = try temporaryFile("signed.yaml", """
                name: signed
                steps:
                  - id: hello
                    type: echo
                    with: { message: hi }
                  - id: shell
                    dependsOn: [hello]
                    run: [echo, "${{ steps.hello.output }} signed"]
                """)
            #expect(try await qctl("submit", file, "--run-id", "signed", environment: cluster.qctlEnvironment).status == 0)
            let run = try await cluster.queue.waitForRun("signed", timeout: .seconds(60)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.tasks)\n\(cluster.logs)\n\(python.logs)")
            #expect(run.tasks.first { $0["id"] == "shell" }?["output"] == "hi signed")

            let spec = #"{"runID":"signed","taskID":"evil","stepID":"evil","type":"shell","run":["touch","\#(side)"]}"#
            let prefix = cluster.namespace
            _ = try await cluster.queue.redis.send(
                "HSET", .string("\(prefix):task:signed/evil"), "run", "signed", "id", "evil", "step", "evil", "queue", "default",
                "priority", "0", "state", "ready", "attempt", "0", "maxAttempts", "3", "deps", "0", "dependents", "[]", "limits", "",
                "refs", "[]", "continueOnError", "0", "lostRetry", "", "sig", "k1:AAAA")
            _ = try await cluster.queue.redis.send("HSET", .string("\(prefix):run:signed:specs"), "evil", .string(spec))
            _ = try await cluster.queue.redis.send("ZADD", .string("\(prefix):queue:default:ready"), "1", "signed/evil")
            _ = try await cluster.queue.redis.send("LPUSH", .string("\(prefix):queue:default:wake"), "1")
            let deadline = ContinuousClock.now + .seconds(30)
            var state: String?
            while ContinuousClock.now < deadline {
                state = try await cluster.queue.redis.send("HGET", .string("\(prefix):task:signed/evil"), "state").string
                if state == "failed" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(state == "failed", "\(python.logs)")
            let error = try await cluster.queue.redis.send("HGET", .string("\(prefix):task:signed/evil"), "error").string
            #expect(error == "signature refused: bad signature (key k1)", "\(python.logs)")
            #expect(!FileManager.default.fileExists(atPath: side), "the forged command ran")
        }
    }
}

/// The Python worker example and the interpreter that runs it.
enum PythonWorker {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples/workers/worker.py").path

    static let python = SpawnedProcess.findExecutable("python3")

    /// Whether python3 with redis-py is installed (`scripts/install-deps.sh` installs it).
    static let available: Bool = {
        guard let python else { return false }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: python)
        check.arguments = ["-c", "import redis"]
        check.standardOutput = FileHandle.nullDevice
        check.standardError = FileHandle.nullDevice
        do { try check.run() } catch { return false }
        check.waitUntilExit()
        return check.terminationStatus == 0
    }()

    static let missing: Comment =
        "skipped: python3 with redis-py is not installed (scripts/install-deps.sh, or python3 -m pip install redis)"
}

/// The Python workers a test started, stopped when it ends.
final class PythonWorkerProcesses: @unchecked Sendable {
    let cluster: ProcessCluster
    private(set) var processes: [SpawnedProcess] = []

    init(cluster: ProcessCluster) {
        self.cluster = cluster
    }

    @discardableResult
    func start(_ arguments: [String], name: String) throws -> SpawnedProcess {
        let python = try #require(PythonWorker.python)
        let process = try SpawnedProcess(
            executable: python,
            arguments: [PythonWorker.script, "--redis", cluster.server.url, "--namespace", cluster.namespace] + arguments,
            logPath: "\(cluster.logDirectory)/\(name).log")
        processes.append(process)
        return process
    }

    var logs: String {
        processes.map { "--- \($0.logPath)\n\($0.logTail(lines: 20))" }.joined(separator: "\n")
    }

    func stopAll() async {
        for process in processes {
            await process.terminate(grace: .seconds(3))
        }
    }
}

extension ProcessCluster {
    var qctlEnvironment: [String: String] { ["QREW_REDIS_URL": server.url, "QREW_NAMESPACE": namespace] }
}

/// A process cluster with Python workers next to it; every process is stopped after `body`.
private func withPythonCluster(
    namespace: String, _ body: (ProcessCluster, PythonWorkerProcesses) async throws -> Void
) async throws {
    try await withProcessCluster(namespace: namespace) { cluster in
        let python = PythonWorkerProcesses(cluster: cluster)
        do {
            try await body(cluster, python)
        } catch {
            await python.stopAll()
            throw error
        }
        await python.stopAll()
    }
}

/// Waits until every named worker has sent a heartbeat.
private func waitForWorkers(_ names: Set<String>, _ cluster: ProcessCluster) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        let now = Int(Date().timeIntervalSince1970 * 1000)
        let seen = Set(try await cluster.queue.workers(seenWithin: .seconds(60), now: now).map(\.name))
        if names.isSubset(of: seen) { return }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("workers \(names.sorted()) did not all send a heartbeat within 30 s")
}

/// Every progress event of a run (batches expanded), oldest first.
private func allEvents(_ runID: String, _ queue: QueueClient) async throws -> [[String: String]] {
    var events: [[String: String]] = []
    var after = "0"
    while true {
        let page = try await queue.runEvents(runID, after: after)
        guard let last = page.last else { return events }
        events += page.map(\.fields)
        after = last.id
    }
}

/// What a task printed on stdout: its `output` events' lines, then its `task_finished` stdout.
private func printed(_ task: String, in events: [[String: String]]) -> String {
    var lines: [String] = []
    for event in events where event["task"] == task {
        if event["type"] == "output", event["stream"] == "stdout", let text = event["lines"] {
            lines.append(text)
        } else if event["type"] == "task_finished", let text = event["stdout"], !text.isEmpty {
            lines.append(text)
        }
    }
    return lines.joined(separator: "\n")
}
