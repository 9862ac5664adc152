import Foundation
import QrewRedis

/// A whole Qrew cluster on this machine: a redis-server (unless one is given), one coordinator
/// and N workers, each a child process with its log in `logDirectory`. Used by `qctl dev`, the
/// benchmark and the end-to-end tests; `stop()` ends everything it started.
public final class LocalCluster: Sendable {
    /// What to start.
    public struct Options: Sendable {
        /// Directory holding the `qrew-coordinator` and `qrew-worker` executables.
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

        public init(
            binDirectory: String, redisURL: String? = nil, namespace: String = "qrew", workers: Int = 2,
            workerConcurrency: Int? = nil, workerArguments: [String] = [], coordinatorArguments: [String] = [],
            environment: [String: String] = [:]
        ) {
            self.binDirectory = binDirectory
            self.redisURL = redisURL
            self.namespace = namespace
            self.workers = workers
            self.workerConcurrency = workerConcurrency
            self.workerArguments = workerArguments
            self.coordinatorArguments = coordinatorArguments
            self.environment = environment
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
    public let coordinator: SpawnedProcess
    public let workers: [SpawnedProcess]

    private init(
        options: Options, redisURL: String, logDirectory: String, redis: RedisServerProcess?,
        coordinator: SpawnedProcess, workers: [SpawnedProcess]
    ) {
        self.options = options
        self.redisURL = redisURL
        self.logDirectory = logDirectory
        self.redis = redis
        self.coordinator = coordinator
        self.workers = workers
    }

    /// Starts redis (if needed), the coordinator and the workers.
    public static func start(_ options: Options) async throws -> LocalCluster {
        let coordinatorPath = options.binDirectory + "/qrew-coordinator"
        let workerPath = options.binDirectory + "/qrew-worker"
        for path in [coordinatorPath, workerPath] where access(path, X_OK) != 0 {
            throw StartError(description: "\(path) is missing: build everything first (swift build, or make run)")
        }
        var template = Array((NSTemporaryDirectory() + "/qrew-cluster-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw StartError(description: "cannot create a log directory: \(String(cString: strerror(errno)))")
        }
        let logDirectory = String(cString: made)
        var redis: RedisServerProcess?
        let redisURL: String
        if let given = options.redisURL {
            redisURL = given
        } else {
            let server = try await RedisServerProcess.start(options: RedisServerOptions())
            redis = server
            redisURL = server.url
        }
        let common = ["--redis", redisURL, "--namespace", options.namespace]
        let coordinator = try SpawnedProcess(
            executable: coordinatorPath, arguments: common + ["--id", "coordinator-1"] + options.coordinatorArguments,
            logPath: logDirectory + "/coordinator-1.log", environment: options.environment)
        var workers: [SpawnedProcess] = []
        for index in 1...max(options.workers, 1) {
            var arguments = common + ["--name", "worker-\(index)"] + options.workerArguments
            if let slots = options.workerConcurrency { arguments += ["--concurrency", String(slots)] }
            workers.append(try SpawnedProcess(
                executable: workerPath, arguments: arguments, logPath: logDirectory + "/worker-\(index).log",
                environment: options.environment))
        }
        return LocalCluster(
            options: options, redisURL: redisURL, logDirectory: logDirectory, redis: redis,
            coordinator: coordinator, workers: workers)
    }

    /// Stops workers first (they drain), then the coordinator, then the private redis-server.
    public func stop(grace: Duration = .seconds(10)) async {
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.terminate(grace: grace) } }
        }
        await coordinator.terminate(grace: grace)
        await redis?.stop()
    }

    /// The directory of the running executable (where its sibling binaries are).
    public static var executableDirectory: String {
        (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath().deletingLastPathComponent().path
    }
}
