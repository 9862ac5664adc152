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
        /// Prefix of the children's names: `<tag>-coordinator`, `<tag>-worker-1`, ...
        public var tag: String

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
        for name in ["qrew-coordinator", "qrew-worker"] where access(options.binDirectory + "/" + name, X_OK) != 0 {
            throw StartError(description: """
                \(name) not found in \(options.binDirectory); build it (swift build --product \(name)) or install it there
                """)
        }
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("qrew-cluster-XXXXXX")).utf8CString)
        guard let made = mkdtemp(&template) else {
            throw StartError(description: "cannot create a log directory: \(String(cString: strerror(errno)))")
        }
        let logDirectory = String(cString: made)
        var redis: RedisServerProcess?
        let redisURL: String
        if let given = options.redisURL {
            redisURL = given
        } else {
            let server: RedisServerProcess
            do {
                server = try await RedisServerProcess.start(options: RedisServerOptions())
            } catch {
                throw StartError(description: "cannot start a local redis-server: \(error)")
            }
            redis = server
            redisURL = server.url
        }
        let common = ["--redis", redisURL, "--namespace", options.namespace]
        let coordinator: SpawnedProcess
        var workers: [SpawnedProcess] = []
        do {
            coordinator = try SpawnedProcess(
                executable: coordinatorPath,
                arguments: common + ["--id", "\(options.tag)-coordinator"] + options.coordinatorArguments,
                logPath: logDirectory + "/coordinator.log", environment: options.environment)
            for index in 1...max(options.workers, 1) {
                var arguments = common + ["--name", "\(options.tag)-worker-\(index)"] + options.workerArguments
                if let slots = options.workerConcurrency { arguments += ["--concurrency", String(slots)] }
                workers.append(try SpawnedProcess(
                    executable: workerPath, arguments: arguments, logPath: logDirectory + "/worker-\(index).log",
                    environment: options.environment))
            }
        } catch {
            // Dropping the processes started so far kills them (SpawnedProcess.deinit).
            await redis?.stop()
            throw StartError(description: error.description)
        }
        return LocalCluster(
            options: options, redisURL: redisURL, logDirectory: logDirectory, redis: redis,
            coordinator: coordinator, workers: workers)
    }

    /// Stops workers first (they drain), then the coordinator, then the private redis-server.
    public func stop(grace: Duration = .seconds(10)) async {
        // Tell every worker at once, so they drain in parallel.
        await withTaskGroup(of: Void.self) { group in
            for worker in workers { group.addTask { await worker.terminate(grace: grace) } }
        }
        await coordinator.terminate(grace: grace)
        await redis?.stop()
    }

    /// Every child with a display name: `coordinator`, `worker-1`, ...
    public var processes: [(name: String, process: SpawnedProcess)] {
        [("coordinator", coordinator)] + workers.enumerated().map { ("worker-\($0.offset + 1)", $0.element) }
    }

    /// Why the cluster cannot go on (the coordinator or every worker exited), or nil.
    public var failure: String? {
        if coordinator.exited != nil { return "the coordinator exited (log: \(coordinator.logPath))" }
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
