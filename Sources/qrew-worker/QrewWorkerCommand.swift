import ArgumentParser
import Foundation
import QrewWorker

/// `qrew-worker`: argument parsing and lifecycle only; the worker is `QrewWorker.WorkerService`.
@main
struct QrewWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrew-worker",
        abstract: "Claim Qrew tasks from Redis and run them.",
        discussion: "SIGTERM or SIGINT drains: no new tasks, running ones get the drain time to finish, "
            + "the rest are handed back; then the worker exits 0.")

    @Option(help: "Redis URL (env QREW_REDIS_URL; default redis://127.0.0.1:6379/0).")
    var redis: String?

    @Option(help: "Key namespace (env QREW_NAMESPACE; default qrew).")
    var namespace: String?

    @Option(help: "Tasks run at once (default: the CPU count).")
    var concurrency: Int?

    @Option(help: "Queues to claim from, comma-separated, in order of preference.")
    var queues: String = "default"

    @Option(help: "Worker name, unique among live workers (default <hostname>-<pid>).")
    var name: String?

    @Option(help: "Lease length, e.g. 30s (env QREW_LEASE; default 30s).")
    var lease: String?

    @Option(help: "How long running tasks may finish after SIGTERM before they are handed back.")
    var drain: String = "30s"

    @Option(help: "Most result-cache entries the namespace keeps; storing more evicts those closest to expiry (env QREW_CACHE_MAX_ENTRIES; default 10000).")
    var cacheMaxEntries: Int?

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
    }

    func run() async throws {
        // Tasks cannot be started safely without it (they would outlive a killed worker).
        _ = try ShellExecutor().locateSupervisor()
        let worker = try WorkerService(configuration: try workerConfiguration(environment: ProcessInfo.processInfo.environment))
        let signals = SignalDrain(signals: [SIGTERM, SIGINT]) { signal in
            worker.logger.info("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT")")
            worker.drain()
        }
        await worker.run()
        signals.cancel()
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
            guard (1...1024).contains(concurrency) else {
                throw ValidationError("invalid --concurrency \(concurrency): expected 1 to 1024")
            }
            configuration.concurrency = concurrency
        }
        let queueNames = queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !queueNames.isEmpty, queueNames.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw ValidationError("invalid --queues '\(queues)': expected comma-separated queue names, e.g. default,gpu")
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
        configuration.reportsCrashes = crashReports
        configuration.faults = WorkerFaults.fromEnvironment(environment)
        return configuration
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
