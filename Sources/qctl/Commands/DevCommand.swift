import QrewInspect
import ArgumentParser
import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis
import Synchronization

/// `qctl dev [FILE]`: a whole local cluster in one command (its own redis-server unless
/// `QREW_REDIS_URL`/`--redis` names one, a coordinator, N workers), running FILE live; on exit
/// or Ctrl-C it stops everything it started.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        _superCommandName: "qctl",
        abstract: "Start a local cluster and run a workflow on it, live.",
        discussion: """
            Starts redis-server (unless QREW_REDIS_URL or --redis is set), one qrew-coordinator, N \
            qrew-worker processes and a qrew-web dashboard found next to qctl, submits FILE (default \
            examples/ci-pipeline.yaml) and follows it. Their logs go to a temporary directory. Exits 0 \
            if the run succeeded. With --keep the cluster and the dashboard stay up after the run until \
            Ctrl-C, for submitting more runs from another terminal (the export line it prints).
            """)

    static let defaultFile = "examples/ci-pipeline.yaml"

    @Argument(help: "Workflow file (default: examples/ci-pipeline.yaml in the current directory).",
              completion: .file(extensions: ["yaml", "yml", "json"]))
    var file: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a declared parameter.", valueName: "key=value"))
    var parameters: [String] = []

    @Option(help: "Number of workers to start.")
    var workers = 2

    @Flag(help: "Keep the cluster and the dashboard running after the run, until Ctrl-C.")
    var keep = false

    @Option(help: "The dashboard's port (0: any free port; a taken port falls back to any).")
    var webPort = 8080

    @Flag(help: "Start no qrew-web dashboard.")
    var noWeb = false

    @Option(help: ArgumentHelp(
        "Lowest level the coordinator and workers log: trace, debug, info, notice, warning, error or critical "
            + "(passed to them as QREW_LOG_LEVEL; default: $QREW_LOG_LEVEL, else info).",
        valueName: "level"))
    var logLevel: String?

    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics from every process: the coordinator on this port, worker N on port + N "
            + "(all on 127.0.0.1, at /metrics).", valueName: "port"))
    var metricsPort: Int?

    @Option(help: ArgumentHelp(
        "Sign tasks with this key file: passed to the coordinator and workers (env QREW_SIGNING_KEY_FILE is passed on as it is).",
        valueName: "file"))
    var signingKeyFile: String?

    @OptionGroup var redis: RedisOptions

    func validate() throws {
        if let signingKeyFile {
            do {
                _ = try SigningKeyFile.load(signingKeyFile)
            } catch {
                throw ValidationError("invalid --signing-key-file: \(error)")
            }
        }
        guard (1...32).contains(workers) else { throw ValidationError("--workers must be from 1 to 32") }
        guard (0...65535).contains(webPort) else { throw ValidationError("--web-port must be from 0 to 65535") }
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        if let logLevel, !levels.contains(logLevel.lowercased()) {
            throw ValidationError("--log-level: '\(logLevel)' is not a level; use \(levels.joined(separator: ", "))")
        }
        if let metricsPort, !(1...(65535 - workers)).contains(metricsPort) {
            throw ValidationError("--metrics-port must be from 1 to \(65535 - workers) (worker N serves on port + N)")
        }
    }

    func run() async throws {
        let path = file ?? Self.defaultFile
        if file == nil, !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("""
                no FILE given and \(Self.defaultFile) is not in \(FileManager.default.currentDirectoryPath); \
                run qctl dev from the repository root or pass a workflow file
                """)
        }
        let options = try WorkflowOptions.parse(parameters.flatMap { ["--set", $0] } + ["--", path])
        let (text, workflow) = try Submission.validated(options)
        // The trap goes in before anything starts: a Ctrl-C at any moment from here on stops
        // what was started (a signal set to be ignored but not yet watched would be lost).
        let outcome = Mutex<String?>(nil)
        let following = Mutex<Task<String, any Error>?>(nil)
        let signals = SignalTrap { number in
            outcome.withLock { $0 = $0 ?? "interrupted (\(number == SIGINT ? "SIGINT" : number == SIGTERM ? "SIGTERM" : "SIGHUP"))" }
            following.withLock { $0?.cancel() }
        }
        defer { signals.stop() }
        let (cluster, dashboard) = try await start()
        let runID = RunID.generate(workflowName: workflow.name)
        let redis = self.redis
        let follow = Task {
            try await redis.withQueue(url: cluster.redisURL) { queue in
                let fields = try await Submission.submit(options, text: text, runID: runID, queue: queue, redis: redis)
                Console.out("run \(runID)" + (dashboard.map { "  \($0.url)#/runs/\(runID)" } ?? "") + "\n")
                var view = RunView(mode: RunView.standardMode(), total: Int(fields["total"] ?? "") ?? 0)
                defer { view.close() }
                return try await RunFollower(queue: queue, runID: runID).follow { view.handle($0) }
            }
        }
        following.withLock { $0 = follow }
        if outcome.withLock({ $0 }) != nil { follow.cancel() }
        let monitor = Task {
            while !Task.isCancelled {
                if let reason = cluster.failure {
                    outcome.withLock { $0 = $0 ?? reason }
                    follow.cancel()
                    return
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        let result = await follow.result
        if keep, outcome.withLock({ $0 }) == nil {
            Console.out(keepBanner(cluster: cluster, dashboard: dashboard))
            while outcome.withLock({ $0 }) == nil {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        monitor.cancel()
        Console.error("qctl dev: stopping the cluster …")
        await dashboard?.stop()
        await cluster.stop()
        Console.error("qctl dev: stopped; logs are in \(cluster.logDirectory)")

        switch result {
        case .success(let state):
            if state != "succeeded" { throw ExitCode.failure }
        case .failure(let error):
            if let reason = outcome.withLock({ $0 }) { throw CommandFailure("\(reason); run \(runID) did not finish") }
            throw error
        }
    }

    /// What `--keep` prints once the run is over: the dashboard and how to use the cluster.
    private func keepBanner(cluster: LocalCluster, dashboard: DevDashboard?) -> String {
        var lines = ["", "qctl dev: the cluster keeps running (--keep); Ctrl-C stops it."]
        if let dashboard { lines.append("  dashboard    \(dashboard.url)") }
        lines.append("  from another terminal:")
        lines.append("    export QREW_REDIS_URL=\(cluster.redisURL) QREW_NAMESPACE=\(cluster.options.namespace)")
        lines.append("    qctl submit examples/fanout.yaml --follow")
        return lines.joined(separator: "\n")
    }

    /// Starts redis (if needed), the coordinator, the workers and the dashboard, and prints the header.
    private func start() async throws -> (LocalCluster, DevDashboard?) {
        if redis.isURLChosen {
            try await redis.withQueue(url: redis.url) { queue in
                do {
                    _ = try await queue.redis.send("PING")
                } catch {
                    throw CommandFailure("cannot reach Redis at \(RedisOptions.redacted(redis.url)): \(error)")
                }
            }
        }
        let cluster: LocalCluster
        do {
            var options = LocalCluster.Options(
                binDirectory: LocalCluster.executableDirectory, redisURL: redis.isURLChosen ? redis.url : nil,
                namespace: redis.resolvedNamespace, workers: workers,
                environment: logLevel.map { ["QREW_LOG_LEVEL": $0.lowercased()] } ?? [:], tag: "dev-\(getpid())")
            options.metricsPort = metricsPort
            options.signingKeyFile = signingKeyFile.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            cluster = try await LocalCluster.start(options)
        } catch {
            throw CommandFailure("\(error)")
        }
        var header = ["qctl dev: local cluster"]
        let origin = cluster.redis.map { "(started here, port \($0.port))" } ?? "(existing)"
        header.append("  redis        \(RedisOptions.redacted(cluster.redisURL)) \(origin)")
        header.append("  namespace    \(cluster.options.namespace)")
        for (index, (name, process)) in cluster.processes.enumerated() {
            let port = index == 0 ? cluster.options.coordinatorMetricsPort(0) : cluster.options.workerMetricsPort(index - 1)
            let metrics = port.map { ", metrics http://127.0.0.1:\($0)/metrics" } ?? ""
            header.append("  \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) pid \(process.pid)\(metrics)")
        }
        let dashboard = noWeb ? nil : await DevDashboard.start(cluster: cluster, port: webPort)
        if let dashboard { header.append("  dashboard    \(dashboard.url) pid \(dashboard.process.pid)") }
        header.append("  logs         \(cluster.logDirectory)")
        Console.out(header.joined(separator: "\n") + "\n")
        return (cluster, dashboard)
    }
}
