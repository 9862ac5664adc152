import ArgumentParser
import Foundation
import Logging
import QrewCoordinator
import QrewCore
import QrewMetrics
import QrewQueue
import ServiceLifecycle

/// `qrew-coordinator`: runs one coordinator until SIGTERM or SIGINT, which stop it gracefully
/// (no new submission, leadership released at once).
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrew-coordinator",
        abstract: "Decompose submitted workflows and dispatch their tasks through Redis.")

    @Option(help: "Redis URL (default: $QREW_REDIS_URL or redis://127.0.0.1:6379/0). A password here shows in `ps`: set QREW_REDIS_PASSWORD_FILE (or QREW_REDIS_PASSWORD) and QREW_REDIS_USER instead.")
    var redis: String?

    @Option(help: "Key namespace (default: $QREW_NAMESPACE or qrew).")
    var namespace: String?

    @Option(help: "This coordinator's unique name (default: <host>-<pid>).")
    var id: String?

    @Option(help: "Leader lease; a standby takes over about this long after the leader dies.")
    var leaderLease: String = "5s"

    @Option(help: "The workers' lease (env QREW_LEASE; default 30s); workers silent for two leases are forgotten.")
    var lease: String?

    @Option(help: "How long finished runs stay in Redis.")
    var retention: String = "7d"

    @Option(help: "Largest workflow (bytes) accepted from a submission.")
    var maxWorkflowBytes: Int = 4 << 20

    @Option(help: "Tasks per storing call: a bigger run is stored in slices and starts while the rest is stored.")
    var storeSlice: Int = CoordinatorConfiguration().storeSlice

    @Option(help: ArgumentHelp("JSON priority tables replacing the default scoring.", valueName: "file"))
    var scoring: String?

    @Option(help: ArgumentHelp(
        "Lowest level logged: trace, debug, info, notice, warning, error or critical (env QREW_LOG_LEVEL; default info).",
        valueName: "level"))
    var logLevel: String?

    @Flag(
        inversion: .prefixedNo,
        help: "Record this coordinator's own crashes against the submission it was processing, so that submission is quarantined.")
    var crashReports = true

    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics at http://<bind>:<port>/metrics (env QREW_METRICS_PORT; default off).", valueName: "port"))
    var metricsPort: Int?

    @Option(help: ArgumentHelp(
        "Address the metrics endpoint listens on (env QREW_METRICS_BIND; default 127.0.0.1).", valueName: "address"))
    var metricsBind: String?

    @Option(help: ArgumentHelp(
        "Sign every task with the first key of this file and accept signatures of its second (env QREW_SIGNING_KEY_FILE; default: unsigned). See docs/security.md.",
        valueName: "file"))
    var signingKeyFile: String?

    @Option(help: "With metrics on: how often the leader samples the queue gauges (ready tasks, pools, runs) from Redis.")
    var metricsSampleInterval: String = "5s"

    func run() async throws {
        var configuration = CoordinatorConfiguration()
        let environment = ProcessInfo.processInfo.environment
        let metrics: MetricsOptions
        do {
            metrics = try MetricsOptions(port: metricsPort, bind: metricsBind, environment: environment)
        } catch {
            throw ValidationError(error.message)
        }
        if metrics.port != nil {
            let interval = try Self.duration(metricsSampleInterval, option: "--metrics-sample-interval")
            guard interval >= .milliseconds(100) else { throw ValidationError("--metrics-sample-interval must be at least 100ms") }
            configuration.metricsSampleInterval = interval
        }
        configuration.redisURL = redis ?? environment["QREW_REDIS_URL"] ?? configuration.redisURL
        configuration.namespace = namespace ?? environment["QREW_NAMESPACE"] ?? configuration.namespace
        if let id { configuration.id = id }
        do {
            configuration.signer = try SigningKeyFile.signer(
                flag: signingKeyFile, environment: environment, namespace: configuration.namespace)
        } catch {
            throw ValidationError("\(error)")
        }
        guard maxWorkflowBytes > 0 else { throw ValidationError("--max-workflow-bytes must be positive") }
        configuration.maxWorkflowBytes = maxWorkflowBytes
        guard storeSlice > 0 else { throw ValidationError("--store-slice must be positive, e.g. 1000") }
        configuration.storeSlice = storeSlice
        configuration.reportsCrashes = crashReports
        configuration.leaderLease = try Self.duration(leaderLease, option: "--leader-lease")
        configuration.retention = try Self.duration(retention, option: "--retention")
        if let leaseText = lease ?? environment["QREW_LEASE"] {
            configuration.workerLease = try Self.duration(leaseText, option: lease == nil ? "QREW_LEASE" : "--lease")
        }
        if let scoring {
            guard let data = FileManager.default.contents(atPath: scoring) else {
                throw ValidationError("--scoring: cannot read \(scoring)")
            }
            do {
                configuration.priorityTables = try FoundationJSON.decode(PriorityTables.self, from: data)
            } catch {
                throw ValidationError("--scoring \(scoring): not valid priority tables: \(error)")
            }
        }
        let level = try Self.logLevel(logLevel, environment: environment)
        LoggingSystem.bootstrap { label in QrewLogHandler(label: label, level: level) }
        let coordinator: Coordinator
        do {
            coordinator = try Coordinator(configuration: configuration, logger: Logger.qrew("coordinator \(configuration.id)", level: level))
        } catch {
            throw ValidationError("\(error)")
        }
        // Listening before the coordinator starts: a port that is taken stops it here.
        var metricsServer: Task<Void, Never>?
        if let port = metrics.port {
            metricsServer = try await MetricsServer(host: metrics.host, port: port, registry: MetricsBootstrap.bootstrap()).start()
        }
        defer { metricsServer?.cancel() }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: coordinator.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: coordinator.logger))
        try await group.run()
    }

    /// `--log-level` over `QREW_LOG_LEVEL` over info.
    static func logLevel(_ flag: String?, environment: [String: String]) throws -> Logger.Level {
        guard let flag else { return Logger.environmentLevel(environment) }
        guard let level = Logger.level(named: flag) else {
            throw ValidationError("--log-level: '\(flag)' is not a level; use trace, debug, info, notice, warning, error or critical")
        }
        return level
    }

    static func duration(_ text: String, option: String) throws -> Duration {
        do {
            return try DurationParser.parse(text)
        } catch {
            throw ValidationError("\(option): '\(text)' is not a duration; write e.g. 500ms, 30s, 10m, 1h or 7d")
        }
    }
}
