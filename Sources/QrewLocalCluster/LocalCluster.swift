import Foundation
import QrewRedis
import Synchronization

/// A whole Qrew cluster on this machine: a redis-server (unless one is given), one coordinator
/// (or several: one leads, the others stand by) and N workers, each a child process with its log
/// in `logDirectory`. Used by `qctl dev`, the benchmark, the end-to-end tests and the chaos suite
/// (which kills children and relaunches them); `stop()` ends everything it started. Every child
/// is started through `qrew-supervise` (from `binDirectory`), so it dies with this process even
/// when this process is SIGKILLed: then `stop()` never runs.
public final class LocalCluster: Sendable {
    /// What to start.
    public struct Options: Sendable {
        /// Directory holding the `qrew-coordinator`, `qrew-worker` and `qrew-supervise` executables.
        public var binDirectory: String
        /// An existing Redis to use; nil starts a private redis-server on a free port.
        public var redisURL: String?
        public var namespace: String
        public var workers: Int
        /// Slots per worker (`--concurrency`).
        public var workerConcurrency: Int?
        /// Extra arguments for every worker (e.g. `--lease 5s`).
        public var workerArguments: [String]
        public var coordinatorArguments: [String]
        /// Extra environment for the children (e.g. `QREW_LOG_LEVEL`).
        public var environment: [String: String]
        /// Prefix of the children's names: `<tag>-coordinator`, `<tag>-worker-1`, ...
        public var tag: String
        /// Coordinators to start: `<tag>-coordinator`, `<tag>-coordinator-2`, ... (one leads).
        public var coordinators: Int = 1
        /// How the private redis-server starts (e.g. `appendOnly: true`); unused with `redisURL`.
        public var redisOptions = RedisServerOptions()
        /// An existing directory for the children's logs; nil creates a fresh temporary one.
        public var logDirectory: String?
        /// Redis URLs for some worker slots (slot index → URL), when they must reach Redis
        /// another way than the cluster's URL (e.g. through the chaos suite's partition proxy).
        public var workerRedisURLs: [Int: String] = [:]
        /// Environment for the coordinators only, over `environment` (e.g. their Redis ACL user
        /// and password file: `QREW_REDIS_USER`, `QREW_REDIS_PASSWORD_FILE`).
        public var coordinatorEnvironment: [String: String] = [:]
        /// Environment for the workers only, over `environment`.
        public var workerEnvironment: [String: String] = [:]
        /// The URL the children get instead of the cluster's `redisURL`, e.g. one without the
        /// private server's password for children that log in as ACL users through their
        /// environment (credentials in a URL win over the environment's).
        public var childRedisURL: String?
        /// First port of the children's Prometheus endpoints (`--metrics-port`): coordinators
        /// get this port and the next ones, then the workers; nil serves no metrics.
        public var metricsPort: Int?
        /// The signing key file given to every coordinator and worker (`--signing-key-file`);
        /// nil passes none (they still read `QREW_SIGNING_KEY_FILE` from the environment).
        public var signingKeyFile: String?

        /// The metrics port of coordinator `index`, when metrics are on.
        public func coordinatorMetricsPort(_ index: Int) -> Int? { metricsPort.map { $0 + index } }
        /// The metrics port of worker `index`, when metrics are on.
        public func workerMetricsPort(_ index: Int) -> Int? { metricsPort.map { $0 + coordinators + index } }

        /// The `qrew-supervise` the children are started through.
        var supervisor: String { binDirectory + "/qrew-supervise" }

        public init(
            binDirectory: String, redisURL: String? = nil, namespace: String = "qrew", workers: Int = 2,
            workerConcurrency: Int? = nil, workerArguments: [String] = [], coordinatorArguments: [String] = [],
            environment: [String: String] = [:], tag: String = "local"
        ) {
            self.binDirectory = binDirectory
            self.redisURL = redisURL
            self.namespace = namespace
            self.workers = workers
            self.workerConcurrency = workerConcurrency
            self.workerArguments = workerArguments
            self.coordinatorArguments = coordinatorArguments
            self.environment = environment
            self.tag = tag
        }
    }

    /// Why the cluster could not start.
    public struct StartError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public let options: Options
    public let redisURL: String
    /// Where each child's log file is.
    public let logDirectory: String
    public let redis: RedisServerProcess?
    private let table: Mutex<ProcessTable>

    /// The children now running (or last started) in each coordinator and worker slot.
    private struct ProcessTable {
        var coordinators: [SpawnedProcess]
        var workers: [SpawnedProcess]
        /// Launches so far per worker slot; a relaunched worker gets a new name.
        var workerLaunches: [Int]
    }

    /// The first coordinator.
    public var coordinator: SpawnedProcess { table.withLock { $0.coordinators[0] } }
    /// Every coordinator slot's current process.
    public var coordinators: [SpawnedProcess] { table.withLock { $0.coordinators } }
    /// Every worker slot's current process.
    public var workers: [SpawnedProcess] { table.withLock { $0.workers } }

    private init(options: Options, redisURL: String, logDirectory: String, redis: RedisServerProcess?) {
        self.options = options
        self.redisURL = redisURL
        self.logDirectory = logDirectory
        self.redis = redis
        self.table = Mutex(ProcessTable(coordinators: [], workers: [], workerLaunches: []))
    }

    /// Starts redis (if needed), the coordinators and the workers.
    public static func start(_ options: Options) async throws -> LocalCluster {
        for name in ["qrew-coordinator", "qrew-worker", "qrew-supervise"] where access(options.binDirectory + "/" + name, X_OK) != 0 {
            throw StartError(description: """
                \(name) not found in \(options.binDirectory); build it (swift build --product \(name)) or install it there
                """)
        }
        let logDirectory: String
        if let given = options.logDirectory {
            logDirectory = given
        } else {
            var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("qrew-cluster-XXXXXX")).utf8CString)
            guard let made = mkdtemp(&template) else {
                throw StartError(description: "cannot create a log directory: \(String(cString: strerror(errno)))")
            }
            logDirectory = String(cString: made)
        }
        var redis: RedisServerProcess?
        let redisURL: String
        if let given = options.redisURL {
            redisURL = given
        } else {
            let server: RedisServerProcess
            var redisOptions = options.redisOptions
            redisOptions.supervisor = redisOptions.supervisor ?? options.supervisor
            do {
                server = try await RedisServerProcess.start(options: redisOptions)
            } catch {
                throw StartError(description: "cannot start a local redis-server: \(error)")
            }
            redis = server
            redisURL = server.url
        }
        let cluster = LocalCluster(options: options, redisURL: redisURL, logDirectory: logDirectory, redis: redis)
        do {
            let coordinators = try (0..<max(options.coordinators, 1)).map(cluster.launchCoordinator)
            cluster.table.withLock { $0.coordinators = coordinators }
            for index in 0..<max(options.workers, 1) {
                let worker = try cluster.launchWorker(index, launch: 1)
                cluster.table.withLock {
                    $0.workers.append(worker)
                    $0.workerLaunches.append(1)
                }
            }
        } catch {
            // Dropping the processes started so far kills them (SpawnedProcess.deinit).
            cluster.table.withLock { $0 = ProcessTable(coordinators: [], workers: [], workerLaunches: []) }
            await redis?.stop()
            throw StartError(description: "\(error)")
        }
        return cluster
    }

    /// Stops workers first (they drain), then the coordinators, then the private redis-server.
    public func stop(grace: Duration = .seconds(10)) async {
        let (coordinators, workers) = table.withLock { ($0.coordinators, $0.workers) }
        // Tell every worker at once, so they drain in parallel.
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.terminate(grace: grace) } }
        }
        for coordinator in coordinators { await coordinator.terminate(grace: grace) }
        await redis?.stop()
    }

    /// Starts coordinator slot `index` again with the same id and log (a restart, as a process
    /// supervisor would do it) after its process exited; throws if it still runs.
    @discardableResult
    public func relaunchCoordinator(at index: Int) throws -> SpawnedProcess {
        guard coordinators[index].exited != nil else {
            throw StartError(description: "coordinator \(index + 1) is still running")
        }
        let process = try launchCoordinator(index)
        table.withLock { $0.coordinators[index] = process }
        return process
    }

    /// Starts a replacement in worker slot `index` after its process exited, under a new name
    /// (`<tag>-worker-<slot>-<launch>`) and log file, as a fresh pod would; throws if it still runs.
    @discardableResult
    public func relaunchWorker(at index: Int) throws -> SpawnedProcess {
        guard workers[index].exited != nil else {
            throw StartError(description: "worker \(index + 1) is still running")
        }
        let launch = table.withLock { table in
            table.workerLaunches[index] += 1
            return table.workerLaunches[index]
        }
        let process = try launchWorker(index, launch: launch)
        table.withLock { $0.workers[index] = process }
        return process
    }

    /// The name of the worker process in slot `index`.
    public func workerName(at index: Int) -> String {
        Self.workerName(tag: options.tag, index: index, launch: table.withLock { $0.workerLaunches[index] })
    }

    private static func workerName(tag: String, index: Int, launch: Int) -> String {
        launch == 1 ? "\(tag)-worker-\(index + 1)" : "\(tag)-worker-\(index + 1)-\(launch)"
    }

    private func connectionArguments(redisURL: String) -> [String] {
        ["--redis", redisURL, "--namespace", options.namespace] + (options.signingKeyFile.map { ["--signing-key-file", $0] } ?? [])
    }

    private func launchCoordinator(_ index: Int) throws -> SpawnedProcess {
        let suffix = index == 0 ? "" : "-\(index + 1)"
        let metrics = options.coordinatorMetricsPort(index).map { ["--metrics-port", String($0)] } ?? []
        do {
            return try SpawnedProcess(
                executable: options.binDirectory + "/qrew-coordinator",
                arguments: connectionArguments(redisURL: options.childRedisURL ?? redisURL) + ["--id", "\(options.tag)-coordinator\(suffix)"] + metrics
                    + options.coordinatorArguments,
                logPath: logDirectory + "/coordinator\(suffix).log",
                environment: options.environment.merging(options.coordinatorEnvironment) { $1 },
                supervisor: options.supervisor)
        } catch {
            throw StartError(description: error.description)
        }
    }

    private func launchWorker(_ index: Int, launch: Int) throws -> SpawnedProcess {
        let name = Self.workerName(tag: options.tag, index: index, launch: launch)
        var arguments = connectionArguments(redisURL: options.workerRedisURLs[index] ?? options.childRedisURL ?? redisURL) + ["--name", name] + options.workerArguments
        if let slots = options.workerConcurrency { arguments += ["--concurrency", String(slots)] }
        if let port = options.workerMetricsPort(index) { arguments += ["--metrics-port", String(port)] }
        let log = launch == 1 ? "worker-\(index + 1).log" : "worker-\(index + 1)-\(launch).log"
        do {
            return try SpawnedProcess(
                executable: options.binDirectory + "/qrew-worker", arguments: arguments, logPath: logDirectory + "/" + log,
                environment: options.environment.merging(options.workerEnvironment) { $1 }, supervisor: options.supervisor)
        } catch {
            throw StartError(description: error.description)
        }
    }

    /// Every child with a display name: `coordinator`, `coordinator-2`, `worker-1`, ...
    public var processes: [(name: String, process: SpawnedProcess)] {
        let (coordinators, workers) = table.withLock { ($0.coordinators, $0.workers) }
        return coordinators.enumerated().map { ($0.offset == 0 ? "coordinator" : "coordinator-\($0.offset + 1)", $0.element) }
            + workers.enumerated().map { ("worker-\($0.offset + 1)", $0.element) }
    }

    /// Why the cluster cannot go on (every coordinator or every worker exited), or nil.
    public var failure: String? {
        let (coordinators, workers) = table.withLock { ($0.coordinators, $0.workers) }
        if coordinators.allSatisfy({ $0.exited != nil }) {
            return "the coordinator exited (log: \(coordinators[0].logPath))"
        }
        if workers.allSatisfy({ $0.exited != nil }) { return "every worker exited (logs in \(logDirectory))" }
        return nil
    }

    /// The directory of the running executable, symlinks resolved: where its sibling binaries are.
    public static var executableDirectory: String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return URL(fileURLWithPath: path).deletingLastPathComponent().path
        }
        return (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath().deletingLastPathComponent().path
    }
}
