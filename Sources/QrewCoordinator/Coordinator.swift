import QrewQueue
import QrewRedis

/// The coordinator service: leadership, submission intake, completion events and maintenance,
/// one loop each. Every coordinator runs the leadership loop; only the leader's other loops act.
/// All state is in Redis, so a coordinator can be killed at any instant and another continues.
public struct Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    let queue: QueueClient
    let log: ServiceLogger

    public init(configuration: CoordinatorConfiguration) throws {
        self.configuration = configuration
        let redis = try RedisClient(url: configuration.redisURL, poolSize: 4)
        queue = QueueClient(
            redis: redis, keys: Keys(prefix: configuration.namespace), scripts: try ScriptLibrary.bundled.get(),
            streamMaxLength: configuration.streamMaxLength)
        log = ServiceLogger(source: "coordinator \(configuration.id)")
    }

    /// Runs until the surrounding task is cancelled.
    public func run() async {
        let leadership = Leadership()
        log.info("starting (namespace \(configuration.namespace), leader lease \(configuration.leaderLease))")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await LeadershipLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
            group.addTask { await IntakeLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
            group.addTask { await EventLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
            group.addTask { await MaintenanceLoop(queue: queue, configuration: configuration, leadership: leadership, log: log).run() }
        }
        log.info("stopped")
    }
}
