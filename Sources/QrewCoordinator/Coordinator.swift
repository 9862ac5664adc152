import Foundation
import Logging
import QrewQueue
import QrewRedis
import ServiceLifecycle

/// The coordinator service: leadership, submission intake, completion events, fan-out,
/// reaping, housekeeping and schedules, one loop each, run as swift-service-lifecycle services.
/// Every coordinator runs the leadership loop; only the leader's other loops act. All state is
/// in Redis, so a coordinator can be killed at any instant and another continues.
///
/// ```swift
/// let coordinator = try Coordinator(configuration: configuration)
/// let group = ServiceGroup(configuration: ServiceGroupConfiguration(
///     services: coordinator.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: coordinator.logger))
/// try await group.run()   // SIGTERM: stop taking submissions, release leadership, stop
/// ```
public struct Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    /// The coordinator's log (`coordinator <id>`).
    public let logger: Logger
    let queue: QueueClient
    /// Records a crash of this process against the submission it was processing.
    let crashReporter: CrashReporter?

    public init(configuration: CoordinatorConfiguration, logger: Logger? = nil) throws {
        self.configuration = configuration
        // Credentials the URL leaves out come from QREW_REDIS_USER / QREW_REDIS_PASSWORD_FILE.
        let redisConfiguration = try RedisConfiguration(url: configuration.redisURL, environment: ProcessInfo.processInfo.environment)
        let redis = RedisClient(configuration: redisConfiguration, poolSize: 4)
        let scripts = try ScriptLibrary.bundled.get()
        queue = QueueClient(
            redis: redis, keys: Keys(prefix: configuration.namespace), scripts: scripts,
            streamMaxLength: configuration.streamMaxLength)
        let log = logger ?? Logger.qrew("coordinator \(configuration.id)")
        self.logger = log
        crashReporter = configuration.reportsCrashes
            ? CrashReporter(
                redis: redisConfiguration, prefix: configuration.namespace, name: configuration.id,
                script: scripts[.recordIntakeCrash].source, checkInterval: configuration.leaderLease / 3, logger: log,
                consequence: "a submission that crashes a coordinator is quarantined")
            : nil
    }

    /// The coordinator's services in start order; a `ServiceGroup` shuts them down in reverse.
    /// Each read makes a fresh set sharing one leadership state: read it once per group.
    ///
    /// Intake is last, so on SIGTERM it stops first: no new submission is taken. Leadership is
    /// next: it resigns, which stops every other loop from starting a step, waits for the steps
    /// under way and releases the lease, so a standby leads within one poll. The loops, idle
    /// by then, stop after it.
    public var services: [any Service] {
        let leadership = Leadership()
        let (queue, configuration, log) = (queue, configuration, logger)
        let services: [(any Service)?] = [
            CoordinatorLifecycleService(configuration: configuration, log: log, crashReporter: crashReporter),
            CoordinatorLoopService(description: "ReapLoop") {
                await ReapLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run()
            },
            CoordinatorLoopService(description: "EventLoop") {
                await EventLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run()
            },
            CoordinatorLoopService(description: "FanOutLoop") {
                await FanOutLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run()
            },
            CoordinatorLoopService(description: "ChildWorkflowLoop") {
                await ChildWorkflowLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run()
            },
            CoordinatorLoopService(description: "HousekeepingLoop") {
                await HousekeepingLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run()
            },
            CoordinatorLoopService(description: "RequestLoop") {
                await RequestLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run()
            },
            CoordinatorLoopService(description: "ScheduleLoop") {
                await ScheduleLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run()
            },
            configuration.metricsSampleInterval.map { interval in
                CoordinatorLoopService(description: "MetricsSampleLoop") {
                    await MetricsSampleLoop(queue: queue, leadership: leadership, interval: interval, log: log).run()
                }
            },
            LeadershipLoop(queue: queue, configuration: configuration, leadership: leadership, log: log),
            CoordinatorLoopService(description: "IntakeLoop") { [crashReporter] in
                await IntakeLoop(queue: queue, configuration: configuration, leadership: leadership, log: log, crashReporter: crashReporter)
                    .run()
            },
        ]
        return services.compactMap { $0 }
    }

    /// Runs the services until the surrounding task is cancelled (which stops them without
    /// releasing leadership, like a crash); for embedding and tests. `qrew-coordinator` runs
    /// `services` in its own `ServiceGroup` with graceful shutdown on SIGTERM and SIGINT.
    public func run() async {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        try? await group.run()
    }
}

/// Starts and stops what the whole coordinator shares (the crash reporter) and logs its start
/// and stop; first in the group, so it stops last.
struct CoordinatorLifecycleService: Service, CustomStringConvertible {
    let configuration: CoordinatorConfiguration
    let log: Logger
    let crashReporter: CrashReporter?

    var description: String { "CoordinatorLifecycleService" }

    func run() async {
        log.info("starting (namespace \(configuration.namespace), leader lease \(configuration.leaderLease))")
        await crashReporter?.start()
        // Returns on graceful shutdown (after every later service stopped) or cancellation.
        try? await gracefulShutdown()
        crashReporter?.stop()
        log.info("stopped")
    }
}
