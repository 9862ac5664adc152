import Foundation
import QrewCore
import QrewLocalCluster
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// A whole cluster on a `redis-server --aclfile` of `qctl acl`'s roles, every process logged in
/// through QREW_REDIS_USER / QREW_REDIS_PASSWORD_FILE (no password on any command line): a
/// qrew-coordinator, qrew-worker processes, qctl as qrew-submitter (submit --wait / --follow,
/// cancel and retry through the request path) and as qrew-viewer (status, list; a write is
/// refused). Heavy (real processes): for the Makefile's CLUSTER_SUITES.
@Suite("ACL roles on a cluster", .serialized)
struct AclClusterTests {
    static let namespace = "aclc"

    /// Deps, a matrix on a pool, a dynamic fan-out, a child workflow, a cached step, a retried
    /// step and a condition.
    static func workflow(mark: String) -> String {
        """
        name: acl-cluster
        parallel: { resources: { db: 1 } }
        steps:
          - id: list
            type: echo
            with: { message: '["eu","us"]' }
          - id: sizes
            matrix: { size: [s, m] }
            type: echo
            with: { message: "size ${{ matrix.size }}" }
            resource: db
          - id: deploy
            dependsOn: [list]
            matrix: { region: "${{ fromJSON(steps.list.output) }}" }
            type: echo
            with: { message: "deployed ${{ matrix.region }}" }
          - id: cached
            run: ["sh", "-c", "echo cached-result"]
            cache: true
          - id: flaky
            run: ["sh", "-c", "test -f \(mark) || { touch \(mark); exit 3; }; echo recovered"]
            retries: 2
          - id: child
            type: workflow
            dependsOn: [deploy]
            workflow:
              name: child
              steps:
                - id: inner
                  type: echo
                  with: { message: inner }
          - id: on-failure
            dependsOn: [flaky]
            if: failure()
            type: echo
            with: { message: never }
          - id: done
            dependsOn: [sizes, child, cached, flaky]
            type: echo
            with: { message: done }
        """
    }

    static let sleeper = """
        name: sleeper
        steps:
          - id: nap
            type: sleep
            with: { duration: 60s }
        """

    /// Starts `binary` as `role` with only the environment naming Redis, user and password file.
    private static func start(
        _ binary: String, _ arguments: [String], role: AccessRole, server: AclRedisServer, logs: String
    ) throws -> SpawnedProcess {
        try SpawnedProcess(
            executable: LocalCluster.executableDirectory + "/" + binary, arguments: arguments,
            logPath: "\(logs)/\(arguments.last ?? binary).log",
            baseEnvironment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QREW_") },
            environment: server.environment(role))
    }

    private static func logs(_ processes: [SpawnedProcess]) -> String {
        processes.map { "--- \($0.logPath)\n\($0.logTail(lines: 20))" }.joined(separator: "\n")
    }

    @Test(.timeLimit(.minutes(4)))
    func everyRoleDoesItsWorkWithItsOwnUser() async throws {
        try await withAclRedisServer(namespace: Self.namespace) { server in
            let logs = try temporaryDirectory()
            var processes: [SpawnedProcess] = []
            defer {
                for process in processes.reversed() { kill(-process.pid, SIGKILL) }
            }
            processes.append(try Self.start("qrew-coordinator", ["--id", "c1"], role: .coordinator, server: server, logs: logs))
            for name in ["w1", "w2"] {
                processes.append(try Self.start("qrew-worker", ["--concurrency", "4", "--name", name], role: .worker, server: server, logs: logs))
            }
            let viewerQueue = try server.queue(.viewer)
            defer { viewerQueue.redis.close() }
            let submitter = server.environment(.submitter)
            let viewer = server.environment(.viewer)
            let directory = try temporaryDirectory()
            let file = directory + "/acl.yaml"
            try Self.workflow(mark: directory + "/flaky-mark").write(toFile: file, atomically: true, encoding: .utf8)

            // The submitter submits and waits; every feature runs under the worker role.
            let first = try await qctl("submit", file, "--run-id", "acl-1", "--wait", environment: submitter, timeout: .seconds(120))
            let run = try await viewerQueue.waitForRun("acl-1", timeout: .seconds(60)) { $0.isFinished }
            #expect(first.status == 0 && run.state == "succeeded", "\(first.stdout)\(first.stderr)\n\(run.tasks)\n\(Self.logs(processes))")
            let states = Dictionary(run.tasks.map { ($0["id"] ?? "", $0["state"] ?? "") }, uniquingKeysWith: { a, _ in a })
            #expect(states["deploy[0]"] == "succeeded" && states["deploy[1]"] == "succeeded" && states["deploy"] == "succeeded", "\(states)")
            #expect(states["child"] == "succeeded" && states["on-failure"] == "skipped" && states["done"] == "succeeded", "\(states)")
            #expect(run.tasks.first { $0["id"] == "flaky" }?["attempt"] == "2", "the failed first attempt was retried")

            // Again with --follow (SUBSCRIBE as the submitter): the cached step is a cache hit.
            let second = try await qctl("submit", file, "--run-id", "acl-2", "--follow", environment: submitter, timeout: .seconds(120))
            #expect(second.status == 0, "\(second.stdout)\(second.stderr)\n\(Self.logs(processes))")
            let rerun = try await viewerQueue.waitForRun("acl-2", timeout: .seconds(60)) { $0.isFinished }
            #expect(rerun.tasks.first { $0["id"] == "cached" }?["cached"] == "1", "\(rerun.tasks)")

            // The viewer reads; its write is refused with a clear message.
            let status = try await qctl("status", "acl-1", environment: viewer)
            #expect(status.status == 0 && status.stdout.contains("succeeded"), "\(status.stdout)\(status.stderr)")
            let list = try await qctl("list", environment: viewer)
            #expect(list.status == 0 && list.stdout.contains("acl-1") && list.stdout.contains("acl-2"), "\(list.stdout)\(list.stderr)")
            let refused = try await qctl("cancel", "acl-1", environment: viewer)
            #expect(refused.status == 1 && refused.stderr.contains("may not"), "\(refused.stdout)\(refused.stderr)")
            let viewerSubmit = try await qctl("submit", file, "--run-id", "acl-v", environment: viewer)
            #expect(viewerSubmit.status != 0 && viewerSubmit.stderr.contains("may not"), "\(viewerSubmit.stdout)\(viewerSubmit.stderr)")

            // Storing a run directly takes the coordinator's role: the submitter is refused before
            // anything is written; the coordinator's user stores it and the workers run it.
            let direct = directory + "/direct.yaml"
            try "name: direct\nsteps:\n  - id: hi\n    run: [echo, hi]\n".write(toFile: direct, atomically: true, encoding: .utf8)
            let submitterDirect = try await qctl("submit", direct, "--direct", "--run-id", "acl-d1", environment: submitter)
            #expect(submitterDirect.status != 0, "\(submitterDirect.stdout)\(submitterDirect.stderr)")
            #expect(submitterDirect.stderr.contains("--direct needs the qrew-coordinator role"), "\(submitterDirect.stderr)")
            #expect(try await viewerQueue.runFields("acl-d1") == nil)
            let coordinatorDirect = try await qctl(
                "submit", direct, "--direct", "--run-id", "acl-d2", "--wait", environment: server.environment(.coordinator))
            #expect(coordinatorDirect.status == 0, "\(coordinatorDirect.stdout)\(coordinatorDirect.stderr)\n\(Self.logs(processes))")

            // The submitter cancels a running task and retries the run: the coordinator does it.
            let sleeper = directory + "/sleeper.yaml"
            try Self.sleeper.write(toFile: sleeper, atomically: true, encoding: .utf8)
            let queued = try await qctl("submit", sleeper, "--run-id", "acl-3", environment: submitter)
            #expect(queued.status == 0, "\(queued.stderr)")
            _ = try await viewerQueue.waitForRun("acl-3", timeout: .seconds(60)) { $0.tasks.first?["state"] == "running" }
            let canceled = try await qctl("cancel", "acl-3", environment: submitter)
            #expect(canceled.status == 0 && canceled.stdout.contains("canceled 1 task"), "\(canceled.stdout)\(canceled.stderr)\n\(Self.logs(processes))")
            let stopped = try await viewerQueue.waitForRun("acl-3", timeout: .seconds(30)) { $0.isFinished }
            #expect(stopped.state == "canceled")
            let retried = try await qctl("retry", "acl-3", environment: submitter)
            #expect(retried.status == 0 && retried.stdout.contains("retrying 1 task"), "\(retried.stdout)\(retried.stderr)")
            _ = try await viewerQueue.waitForRun("acl-3", timeout: .seconds(60)) { $0.tasks.first?["state"] == "running" }
            let again = try await qctl("cancel", "acl-3", environment: submitter)
            #expect(again.status == 0, "\(again.stderr)")

            for process in processes.reversed() {
                kill(process.pid, SIGTERM)
                await process.terminate(grace: .seconds(10))
            }
            // No script or command of the coordinator or a worker was refused on the way (a
            // refusal mid-script would leave a half-done change).
            for process in processes {
                let log = (try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? ""
                #expect(!log.contains("NOPERM") && !log.contains("The user executing the script can't"), "\(process.logPath):\n\(log)")
            }
            processes.removeAll()
        }
    }
}
