import QrewQueue
import QrewRedis

/// The coordinator service: leadership, submission intake, completion events and maintenance,
/// one loop each. Every coordinator runs the leadership loop; only the leader's other loops act.
/// All state is in Redis, so a coordinator can be killed at any instant and another continues.
public struct Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    let queue: QueueClient
    let log: ServiceLogger
    /// Records a crash of this process against the submission it was processing.
    let crashReporter: CrashReporter?

    public init(configuration: CoordinatorConfiguration) throws {
        self.configuration = configuration
        let redis = try RedisClient(url: configuration.redisURL, poolSize: 4)
        let scripts = try ScriptLibrary.bundled.get()
        queue = QueueClient(
            redis: redis, keys: Keys(prefix: configuration.namespace), scripts: scripts,
            streamMaxLength: configuration.streamMaxLength)
        let log = ServiceLogger(source: "coordinator \(configuration.id)")
        self.log = log
        crashReporter = configuration.reportsCrashes
            ? CrashReporter(
                redis: try RedisConfiguration(url: configuration.redisURL), prefix: configuration.namespace, name: configuration.id,
                script: scripts[.recordIntakeCrash].source, checkInterval: configuration.leaderLease / 3, logger: log,
                consequence: "a submission that crashes a coordinator is quarantined")
            : nil
    }

    /// Runs until the surrounding task is cancelled.
    public func run() async {
        let leadership = Leadership()
        log.info("starting (namespace \(configuration.namespace), leader lease \(configuration.leaderLease))")
        await crashReporter?.start()
        defer { crashReporter?.stop() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await LeadershipLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
            group.addTask {
                await IntakeLoop(queue: queue, configuration: configuration, leadership: leadership, log: log, crashReporter: crashReporter)
                    .run()
            }
            group.addTask { await EventLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
            group.addTask { await FanOutLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
            group.addTask { await MaintenanceLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
            group.addTask { await ScheduleLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
            if let interval = configuration.metricsSampleInterval {
                group.addTask { await MetricsSampleLoop(queue: queue, leadership: leadership, interval: interval, log: log).run() }
            }
        }
        log.info("stopped")
    }
}
