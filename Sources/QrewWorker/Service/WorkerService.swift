import Foundation
import Logging
import QrewQueue
import QrewRedis
import ServiceLifecycle

/// The worker: claims tasks from Redis, runs them with the executors, heartbeats their leases,
/// streams their output and records their results, until asked to drain.
///
/// ```swift
/// let worker = try WorkerService(configuration: WorkerConfiguration(concurrency: 4))
/// worker.executors.register("resize-image") { context in ... }
/// try await worker.run()          // returns after drain() once every task is finished or handed back
/// ```
/// Redis being unreachable is never fatal: every loop logs the outage once, retries with
/// backoff and carries on; running tasks keep running and their results wait for Redis.
public final class WorkerService: Service, CustomStringConvertible {
    /// The configuration the worker was created with.
    public let configuration: WorkerConfiguration
    /// Where tasks run; register custom task types here before `run()`.
    public let executors: ExecutorRegistry
    /// The worker's log.
    public let logger: Logger

    public var description: String { "WorkerService(\(configuration.name))" }

    private let queue: QueueClient
    private let tasks: RunningTasks
    private let outage: RedisOutage
    private let drainSignal = DrainSignal()
    private let crashReporter: CrashReporter?
    private let throttleStatus: ThrottleStatus?
    private let metrics = WorkerMetrics()

    /// Creates a worker; connects lazily, so Redis need not be up yet. Throws only for a
    /// Redis URL that cannot be parsed or Lua scripts missing from the build.
    public init(
        configuration: WorkerConfiguration, executors: ExecutorRegistry = ExecutorRegistry(),
        logger: Logger? = nil
    ) throws {
        // Credentials the URL leaves out come from QREW_REDIS_USER / QREW_REDIS_PASSWORD_FILE.
        var redisConfiguration = try RedisConfiguration(url: configuration.redisURL, environment: ProcessInfo.processInfo.environment)
        // A command must not hang longer than a heartbeat period, or one stuck call could
        // cost the worker its leases.
        redisConfiguration.commandTimeout = min(redisConfiguration.commandTimeout ?? .seconds(5), configuration.heartbeatInterval)
        self.configuration = configuration
        self.executors = executors
        self.logger = logger ?? Logger.qrew("worker \(configuration.name)")
        let scripts = try ScriptLibrary.bundled.get()
        self.queue = QueueClient(
            redis: RedisClient(configuration: redisConfiguration), keys: Keys(prefix: configuration.namespace), scripts: scripts)
        let initialSlots = configuration.adaptiveConcurrency.map {
            min($0.maximum, max($0.minimum, configuration.concurrency))
        } ?? configuration.concurrency
        self.tasks = RunningTasks(slots: initialSlots)
        self.throttleStatus = configuration.adaptiveConcurrency == nil ? nil : ThrottleStatus()
        self.outage = RedisOutage(logger: self.logger)
        self.crashReporter =
            configuration.reportsCrashes
            ? CrashReporter(
                redis: redisConfiguration, prefix: configuration.namespace, name: configuration.name,
                script: scripts[.recordCrash].source, checkInterval: configuration.heartbeatInterval, logger: self.logger)
            : nil
    }

    /// Tasks this worker holds now (running, or recording their result).
    public var runningCount: Int { tasks.count }

    /// Slots the claim loop may fill now (changes under `--concurrency auto`).
    public var slots: Int { tasks.slots }

    /// Asks the worker to drain: stop claiming at once, let running tasks finish within the
    /// drain time, then kill and hand back the rest. `run()` returns when that is done.
    /// Safe to call from any thread, any number of times.
    public func drain() {
        drainSignal.request {
            logger.info("draining: \(tasks.count) task(s) running, waiting up to \(configuration.drainTime.qrewShortDescription)")
        }
    }

    /// Runs the worker until `drain()`, a graceful shutdown of the `ServiceGroup` it runs in
    /// (both drain), or cancellation, which drains without waiting. Its loops run as services
    /// of a group of their own.
    public func run() async {
        logger.info(Logger.Message(stringLiteral: "started: \(tasks.slots) slot(s)\(configuration.adaptiveConcurrency == nil ? "" : " (adaptive)"), queues \(configuration.queues.joined(separator: ",")), "
                + "namespace \(configuration.namespace), lease \(configuration.lease.qrewShortDescription)"
                + (configuration.policy == WorkerPolicy() ? "" : ", policy \(configuration.policy)")
                + (configuration.durableResults.map { ", durable results (WAIT \($0.replicas), \($0.timeout.qrewShortDescription))" } ?? "")
                + (configuration.signer.map { signer in
                    ", signed tasks only (key \(signer.keyring.current.id)\(signer.keyring.previous.map { ", previous \($0.id)" } ?? ""))"
                } ?? "")))
        await crashReporter?.start()
        metrics.held(tasks.count, slots: tasks.slots)
        let committer = ResultCommitter(
            queue: queue, tasks: tasks, outage: outage, durability: configuration.durableResults,
            successors: SuccessorRequest(worker: configuration.name, lease: configuration.lease, queues: configuration.queues, most: 0),
            wantsSuccessors: { [drainSignal] in !drainSignal.isRequested },
            leased: { [crashReporter, metrics] successors in
                crashReporter?.hold(successors)
                metrics.claimed(successors)
            }, logger: logger)
        let runner = TaskRunner(
            queue: queue, committer: committer, executors: executors, tasks: tasks, outage: outage, logger: logger,
            configuration: configuration, crashReporter: crashReporter, metrics: metrics,
            secretSource: SecretSource(environment: ProcessInfo.processInfo.environment, directory: configuration.secretsDirectory))
        let claimLoop = ClaimLoop(
            queue: queue, tasks: tasks, outage: outage, logger: logger, configuration: configuration, crashReporter: crashReporter,
            metrics: metrics
        ) { [tasks] claimed in
            tasks.attach(claimed.ref, Task { await runner.run(claimed) })
        }
        let heartbeat = HeartbeatLoop(
            queue: queue, tasks: tasks, outage: outage, logger: logger, configuration: configuration, throttle: throttleStatus)
        let throttle = configuration.adaptiveConcurrency.flatMap { settings in
            throttleStatus.map { status in
                ThrottleLoop(
                    queue: queue, tasks: tasks, status: status, outage: outage, logger: logger,
                    workerName: configuration.name, settings: settings)
            }
        }
        let listener = CancellationListener(
            redis: queue.redis.configuration, keys: queue.keys, tasks: tasks, outage: outage, logger: logger)

        // The claim loop is last, so it is the one a shutdown reaches first: it stops claiming
        // and lets the running tasks finish; then the group stops the others in reverse order,
        // heartbeats last, so leases stay renewed while tasks finish.
        typealias ServiceConfiguration = ServiceGroupConfiguration.ServiceConfiguration
        func loop(_ name: String, _ body: @escaping @Sendable () async -> Void) -> ServiceConfiguration {
            ServiceConfiguration(service: WorkerLoopService(description: name, loop: body))
        }
        var services = [loop("HeartbeatLoop") { await heartbeat.run() }, loop("CancellationListener") { await listener.run() }]
        if let throttle { services.append(loop("ThrottleLoop") { await throttle.run() }) }
        let claiming = WorkerLoopService(description: "ClaimLoop", stopsOnGracefulShutdown: false) { [self] in
            await withDiscardingTaskGroup { claiming in
                claiming.addTask { await claimLoop.run() }
                await withTaskCancellationHandler {
                    await drainSignal.wait()
                } onCancel: {
                    self.drain()
                }
                claiming.cancelAll()
            }
            await finishRunningTasks()
        }
        // Once drained, the rest of the group shuts down gracefully (in reverse order).
        services.append(ServiceConfiguration(service: claiming, successTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: logger))
        // A graceful shutdown of a surrounding group (SIGTERM in qrew-worker) drains.
        await withGracefulShutdownHandler {
            try? await group.run()
        } onGracefulShutdown: {
            self.drain()
        }
        crashReporter?.stop()
        logger.info("stopped")
    }

    /// Waits up to the drain time for running tasks, then stops the rest (they are handed
    /// back) and waits until every task has its result recorded or is handed back.
    private func finishRunningTasks() async {
        let tasks = self.tasks
        let drainTime = configuration.drainTime
        if tasks.count > 0 {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await tasks.waitUntilEmpty() }
                group.addTask { try? await Task.sleep(for: drainTime) }
                await group.next()
                group.cancelAll()
            }
        }
        let stopped = tasks.stopAllExecuting(.draining)
        if !stopped.isEmpty {
            logger.info("drain time over: stopping \(stopped.count) task(s) to hand them back")
        }
        // Bounded: stopped tasks end within the cancel grace; results being recorded give up
        // once their lease runs out.
        await withoutCancellation { await tasks.waitUntilEmpty() }
    }
}
