import ArgumentParser
import Foundation
import Logging
import QrewCore
import QrewMetrics
import QrewQueue
import QrewWorker
import ServiceLifecycle

/// `qrew-worker`: argument parsing and lifecycle only; the worker is `QrewWorker.WorkerService`.
@main
struct QrewWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrew-worker",
        abstract: "Claim Qrew tasks from Redis and run them.",
        discussion: "SIGTERM or SIGINT drains: no new tasks, running ones get the drain time to finish, "
            + "the rest are handed back; then the worker exits 0.")

    @Option(help: "Redis URL (env QREW_REDIS_URL; default redis://127.0.0.1:6379/0). A password here shows in `ps`: set QREW_REDIS_PASSWORD_FILE (or QREW_REDIS_PASSWORD) and QREW_REDIS_USER instead.")
    var redis: String?

    @Option(help: "Key namespace (env QREW_NAMESPACE; default qrew).")
    var namespace: String?

    @Option(help: ArgumentHelp(
        "Tasks run at once: a number (default: the CPU count), or auto[:MIN-MAX] to follow CPU and memory "
            + "pressure between MIN (default 1) and MAX (default 4 x CPUs); see docs/worker.md.",
        valueName: "n|auto[:MIN-MAX]"))
    var concurrency: String?

    @Option(help: ArgumentHelp(
        "With --concurrency auto: CPU pressure (share of time tasks wait for a CPU, 0-1) above which slots shrink.",
        valueName: "share"))
    var throttleCpu: Double = 0.8

    @Option(help: ArgumentHelp(
        "With --concurrency auto: share of memory in use (of the cgroup limit, else of RAM) above which slots shrink.",
        valueName: "share"))
    var throttleMemory: Double = 0.9

    @Option(help: ArgumentHelp(
        "With --concurrency auto: memory stall (share of time tasks wait on memory, PSI) above which slots shrink.",
        valueName: "share"))
    var throttleMemoryStall: Double = 0.2

    @Option(help: ArgumentHelp("With --concurrency auto: time between pressure samples.", valueName: "duration"))
    var throttleInterval: String = "1s"

    @Option(help: ArgumentHelp(
        "With --concurrency auto: the cgroup v2 directory whose pressure files to read (default: the worker's own).",
        valueName: "dir"))
    var throttleCgroup: String?

    @Option(help: "Queues to claim from, comma-separated, in order of preference (names starting with __ are reserved).")
    var queues: String = "default"

    @Option(help: "Worker name, unique among live workers (default <hostname>-<pid>).")
    var name: String?

    @Option(help: "Lease length, e.g. 30s (env QREW_LEASE; default 30s).")
    var lease: String?

    @Option(help: "How long running tasks may finish after SIGTERM before they are handed back.")
    var drain: String = "30s"

    @Option(help: "Most result-cache entries the namespace keeps; storing more evicts those closest to expiry (env QREW_CACHE_MAX_ENTRIES; default 10000).")
    var cacheMaxEntries: Int?

    @Option(help: ArgumentHelp(
        "Lowest level logged: trace, debug, info, notice, warning, error or critical (env QREW_LOG_LEVEL; default info).",
        valueName: "level"))
    var logLevel: String?

    @Option(help: ArgumentHelp(
        "Serve Prometheus metrics at http://<bind>:<port>/metrics (env QREW_METRICS_PORT; default off).", valueName: "port"))
    var metricsPort: Int?

    @Option(help: ArgumentHelp(
        "Address the metrics endpoint listens on (env QREW_METRICS_BIND; default 127.0.0.1).", valueName: "address"))
    var metricsBind: String?

    @Option(help: ArgumentHelp(
        "Run only tasks signed with a key of this file (its current or previous key; env QREW_SIGNING_KEY_FILE; default: run unsigned tasks). See docs/security.md.",
        valueName: "file"))
    var signingKeyFile: String?

    @Flag(help: ArgumentHelp(
        "After recording results, wait (Redis WAIT) until a replica holds them, so a Sentinel failover cannot lose an acknowledged result (env QREW_DURABLE_RESULTS=1)."))
    var durableResults = false

    @Option(help: ArgumentHelp(
        "With --durable-results: longest wait for the replica (env QREW_DURABLE_RESULTS_TIMEOUT; default 1s).", valueName: "duration"))
    var durableResultsTimeout: String?

    @OptionGroup(title: "Policies and secrets")
    var policy: PolicyOptions

    @Flag(
        inversion: .prefixedNo,
        help: "Count this worker's own crashes against the task that caused them, so a task that crashed two workers is quarantined.")
    var crashReports = true

    /// Bad options exit 2 with the message and usage, like most Unix tools (ArgumentParser's
    /// own default is 64).
    static func main() async {
        let command: QrewWorkerCommand
        do {
            command = try parse()
        } catch {
            if exitCode(for: error) == .success { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
        do {
            try await command.run()
        } catch {
            exit(withError: error)
        }
    }

    func validate() throws {
        _ = try workerConfiguration(environment: ProcessInfo.processInfo.environment)
        _ = try logLevel(environment: ProcessInfo.processInfo.environment)
        _ = try metricsOptions(environment: ProcessInfo.processInfo.environment)
    }

    func run() async throws {
        // Tasks cannot be started safely without it (they would outlive a killed worker).
        _ = try ShellExecutor().locateSupervisor()
        let environment = ProcessInfo.processInfo.environment
        let configuration = try workerConfiguration(environment: environment)
        let level = try logLevel(environment: environment)
        LoggingSystem.bootstrap { label in QrewLogHandler(label: label, level: level) }
        let logger = Logger.qrew("worker \(configuration.name)", level: level)
        let metrics = try metricsOptions(environment: environment)
        // Listening (and swift-metrics bootstrapped) before the worker exists: a port that is
        // taken stops it here, and every metric the worker makes records into the registry.
        var metricsServer: Task<Void, Never>?
        if let port = metrics.port {
            metricsServer = try await MetricsServer(host: metrics.host, port: port, registry: MetricsBootstrap.bootstrap()).start()
        }
        defer { metricsServer?.cancel() }
        let worker = try WorkerService(configuration: configuration, logger: logger)
        // The group drains the worker on SIGTERM or SIGINT (graceful shutdown, last service first).
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [ShutdownSignalLog(logger: logger), worker], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// `--log-level` over `QREW_LOG_LEVEL` over info.
    func logLevel(environment: [String: String]) throws -> Logger.Level {
        guard let logLevel else { return Logger.environmentLevel(environment) }
        guard let level = Logger.level(named: logLevel) else {
            throw ValidationError("invalid --log-level '\(logLevel)': expected trace, debug, info, notice, warning, error or critical")
        }
        return level
    }

    /// `--durable-results` (or `QREW_DURABLE_RESULTS` 1/true/yes) with its timeout; nil when off.
    func durability(environment: [String: String]) throws -> ResultDurability? {
        let timeoutText = durableResultsTimeout ?? environment["QREW_DURABLE_RESULTS_TIMEOUT"]
        var enabled = durableResults
        if !enabled, let text = environment["QREW_DURABLE_RESULTS"] {
            switch text.lowercased() {
            case "1", "true", "yes", "on": enabled = true
            case "", "0", "false", "no", "off": enabled = false
            default: throw ValidationError("invalid QREW_DURABLE_RESULTS '\(text)': expected 1 or 0 (true/false)")
            }
        }
        guard enabled else {
            if durableResultsTimeout != nil {
                throw ValidationError("--durable-results-timeout needs --durable-results (or QREW_DURABLE_RESULTS=1)")
            }
            return nil
        }
        var durability = ResultDurability()
        if let timeoutText {
            let source = durableResultsTimeout == nil ? "QREW_DURABLE_RESULTS_TIMEOUT" : "--durable-results-timeout"
            durability.timeout = try Self.duration(timeoutText, source, minimum: .milliseconds(1))
            guard durability.timeout <= .seconds(60) else {
                throw ValidationError("invalid \(source) '\(timeoutText)': at most 60s (a result waits this long before its task is acknowledged)")
            }
        }
        return durability
    }

    /// Flags over environment over defaults; every value checked, with a message naming it.
    func workerConfiguration(environment: [String: String]) throws -> WorkerConfiguration {
        var configuration = WorkerConfiguration()
        configuration.redisURL = redis ?? environment["QREW_REDIS_URL"] ?? configuration.redisURL
        do {
            try WorkerConfiguration.checkRedisURL(configuration.redisURL)
        } catch {
            throw ValidationError("\(error)")
        }
        configuration.namespace = namespace ?? environment["QREW_NAMESPACE"] ?? configuration.namespace
        guard !configuration.namespace.isEmpty, !configuration.namespace.contains(where: \.isWhitespace) else {
            throw ValidationError("invalid namespace '\(configuration.namespace)': expected a non-empty word")
        }
        if let concurrency {
            let setting: ConcurrencySetting
            do {
                setting = try ConcurrencySetting(parsing: concurrency, processors: ProcessInfo.processInfo.activeProcessorCount)
            } catch {
                throw ValidationError("invalid --concurrency \(error)")
            }
            switch setting {
            case .fixed(let slots):
                configuration.concurrency = slots
            case .adaptive(let minimum, let maximum):
                configuration.adaptiveConcurrency = try adaptiveConcurrency(minimum: minimum, maximum: maximum)
            }
        }
        let queueNames = queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !queueNames.isEmpty, queueNames.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw ValidationError("invalid --queues '\(queues)': expected comma-separated queue names, e.g. default,gpu")
        }
        if let reserved = queueNames.first(where: DynamicMatrix.isReservedQueue) {
            throw ValidationError("invalid --queues: '\(reserved)' is reserved for the coordinator (names starting with __)")
        }
        if let reserved = queueNames.first(where: { $0.hasPrefix("@") }) {
            throw ValidationError("invalid --queues: '\(reserved)' is reserved (names starting with '@' hold tasks no worker runs, such as approvals)")
        }
        configuration.queues = queueNames
        if let name {
            guard !name.isEmpty, !name.contains(where: \.isWhitespace) else {
                throw ValidationError("invalid --name '\(name)': expected a non-empty word")
            }
            configuration.name = name
        }
        if let leaseText = lease ?? environment["QREW_LEASE"] {
            let source = lease == nil ? "QREW_LEASE" : "--lease"
            configuration.lease = try Self.duration(leaseText, source, minimum: .seconds(1))
        }
        configuration.drainTime = try Self.duration(drain, "--drain", minimum: .zero)
        if let text = cacheMaxEntries.map(String.init) ?? environment["QREW_CACHE_MAX_ENTRIES"] {
            let source = cacheMaxEntries == nil ? "QREW_CACHE_MAX_ENTRIES" : "--cache-max-entries"
            let range = WorkerConfiguration.cacheMaxEntriesRange
            guard let value = Int(text), range.contains(value) else {
                throw ValidationError("invalid \(source) '\(text)': expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            configuration.cacheMaxEntries = value
        }
        do {
            configuration.signer = try SigningKeyFile.signer(
                flag: signingKeyFile, environment: environment, namespace: configuration.namespace)
        } catch {
            throw ValidationError("\(error)")
        }
        configuration.reportsCrashes = crashReports
        configuration.durableResults = try durability(environment: environment)
        try policy.apply(to: &configuration, environment: environment)
        configuration.faults = WorkerFaults.fromEnvironment(environment)
        return configuration
    }

    /// `--metrics-port` and `--metrics-bind` over their environment variables, checked.
    func metricsOptions(environment: [String: String]) throws -> MetricsOptions {
        do {
            return try MetricsOptions(port: metricsPort, bind: metricsBind, environment: environment)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The `--throttle-*` options, checked.
    private func adaptiveConcurrency(minimum: Int, maximum: Int) throws -> AdaptiveConcurrencyConfiguration {
        for (name, value) in [("--throttle-cpu", throttleCpu), ("--throttle-memory", throttleMemory),
                              ("--throttle-memory-stall", throttleMemoryStall)] {
            guard value.isFinite, value > 0, value <= 1 else {
                throw ValidationError("invalid \(name) \(value): expected a share above 0 and at most 1, e.g. 0.8")
            }
        }
        let interval = try Self.duration(throttleInterval, "--throttle-interval", minimum: .milliseconds(100))
        guard interval <= .seconds(60) else {
            throw ValidationError("invalid --throttle-interval '\(throttleInterval)': must be at most 1m")
        }
        if let throttleCgroup, !FileManager.default.fileExists(atPath: throttleCgroup + "/cpu.pressure") {
            throw ValidationError("invalid --throttle-cgroup '\(throttleCgroup)': no cpu.pressure there (expected a cgroup v2 directory)")
        }
        return AdaptiveConcurrencyConfiguration(
            minimum: minimum, maximum: maximum,
            thresholds: AdaptiveConcurrency.Thresholds(cpu: throttleCpu, memory: throttleMemory, memoryStall: throttleMemoryStall),
            sampleInterval: interval, cgroupDirectory: throttleCgroup)
    }

    private static func duration(_ text: String, _ source: String, minimum: Duration) throws -> Duration {
        let value: Duration
        do {
            value = try WorkerConfiguration.parseDuration(text)
        } catch {
            throw ValidationError("invalid \(source) '\(text)': \(error) (expected e.g. 500ms, 30s, 2m)")
        }
        guard value >= minimum else {
            throw ValidationError("invalid \(source) '\(text)': must be at least \(minimum)")
        }
        return value
    }
}
