import Logging
import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Synchronization
import Testing
@testable import QrewWorker

/// Collects a worker's log lines so tests can check what it said (and how often).
final class LogRecorder: Sendable {
    private let lines = Mutex<[String]>([])

    var sink: @Sendable (String) -> Void {
        { [self] line in lines.withLock { $0.append(line) } }
    }

    var all: [String] { lines.withLock { $0 } }

    func count(containing text: String) -> Int { all.filter { $0.contains(text) }.count }
}

/// A redis-server, a queue client with a leader fence (standing in for the coordinator) and
/// helpers to submit runs and read back what a worker did.
struct WorkerFixture {
    static let namespace = "qw"

    let server: RedisServerProcess
    let queue: QueueClient
    let fence: String
    let log = LogRecorder()

    var redis: RedisClient { queue.redis }
    var keys: Keys { queue.keys }

    /// A worker on this fixture's Redis (or reaching it at `redisURL`) with test-friendly timings.
    func worker(
        name: String = "w1", concurrency: Int = 2, lease: Duration = .seconds(30), drain: Duration = .seconds(5),
        executors: ExecutorRegistry = ExecutorRegistry(), redisURL: String? = nil
    ) throws -> WorkerService {
        let configuration = WorkerConfiguration(
            redisURL: redisURL ?? server.url, namespace: Self.namespace, name: name, concurrency: concurrency, queues: ["default"],
            lease: lease, drainTime: drain, killGrace: .seconds(2), idleBlockTime: .seconds(2))
        return try WorkerService(
            configuration: configuration, executors: executors, logger: Logger.qrew("worker \(name)", sink: log.sink))
    }

    /// Submits a run of hand-built tasks (no coordinator yet).
    func submit(_ run: String, _ tasks: [TaskRecord]) async throws {
        let record = RunRecord(runID: run, fields: ["name": run], limits: ["run": 100], tasks: tasks)
        #expect(try await queue.submitRun(record, fence: fence).created)
    }

    /// Applies every pending completion event, releasing dependents, as a coordinator would.
    func applyEvents() async throws {
        try await queue.ensureCoordinatorGroup(on: keys.events)
        let entries = try await queue.readNew(stream: keys.events, consumer: "test", count: 1000, block: .milliseconds(10))
        _ = try await queue.applyEvents(
            entries.map { ($0.id, $0.fields["ref"] ?? "") }, fence: fence,
            group: QueueClient.coordinatorGroup)
    }

    /// One field of a task's hash.
    func field(_ run: String, _ task: String, _ name: String) async throws -> String? {
        try await redis.send("HGET", .string(keys.task(TaskRef(runID: run, taskID: task))), .string(name)).string
    }

    /// Polls `condition` every 10 ms until it holds or `limit` passes; returns whether it held.
    func eventually(_ limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// Waits until the task reaches `state`.
    func waitFor(_ run: String, _ task: String, state: String, within limit: Duration = .seconds(10)) async throws -> Bool {
        try await eventually(limit) { try await field(run, task, "state") == state }
    }

    /// Waits until the task reaches `state`, recording an issue at the caller if it does not.
    func expect(
        _ run: String, _ task: String, state: String, within limit: Duration = .seconds(10),
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let reached = try await waitFor(run, task, state: state, within: limit)
        let actual = try await field(run, task, "state") ?? "nil"
        #expect(reached, "\(run)/\(task) is \(actual), expected \(state)", sourceLocation: sourceLocation)
    }

    /// Every event of a run's progress stream, in order, as field dictionaries.
    func events(_ run: String) async throws -> [[String: String]] {
        try await queue.runEvents(run).map(\.fields)
    }

    /// Every line of `stream` (stdout or stderr) a task's events carry so far, in order: streamed
    /// `output` events and the last lines that came with its result.
    func outputLines(_ run: String, _ task: String, _ stream: String = "stdout") async throws -> [String] {
        try await events(run).filter { $0["task"] == task }.flatMap { fields in
            StreamEntry(id: "", fields: fields).outputLines.filter { $0.stream == stream }.flatMap(\.lines)
        }
    }

    /// The process group id a task printed first (tasks under test start with `echo $$`).
    func printedPID(_ run: String, _ task: String) async throws -> pid_t? {
        var pid: pid_t?
        _ = try await eventually {
            pid = try await outputLines(run, task).first.flatMap { pid_t($0) }
            return pid != nil
        }
        return pid
    }
}

/// Runs `body` against a fresh redis-server with a leader fence acquired.
func withWorkerFixture(
    _ options: RedisServerOptions = RedisServerOptions(), _ body: (WorkerFixture) async throws -> Void
) async throws {
    try await withRedisServer(options) { server in
        let redis = RedisClient(configuration: try testConfiguration(for: server))
        defer { redis.close() }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: WorkerFixture.namespace), scripts: try ScriptLibrary.bundled.get())
        let fence = try #require(try await queue.acquireLeadership(coordinatorID: "test", lease: .seconds(3600)))
        try await body(WorkerFixture(server: server, queue: queue, fence: fence))
    }
}

/// Runs `worker` while `body` runs, then drains it; fails the test if the drain hangs.
func running(_ worker: WorkerService, _ body: () async throws -> Void) async throws {
    let task = Task { await worker.run() }
    do {
        try await body()
    } catch {
        worker.drain()
        _ = await within(.seconds(20)) { await task.value }
        throw error
    }
    worker.drain()
    let stopped: Void? = await within(.seconds(20)) { await task.value }
    #expect(stopped != nil, "the worker did not stop after drain()")
}

/// A task record whose spec is an encoded `TaskSpec`; graph edges and policy as given.
func taskRecord(
    _ run: String, _ id: String, type: String = "shell", argv: [String] = [], with: [String: String] = [:],
    timeout: Duration? = nil, retry: RetryPolicy = .default, priority: Int = 10, after dependencies: [String] = [],
    before dependents: [String] = [], outputRefs: [String: [String]] = [:]
) throws -> TaskRecord {
    let spec = TaskSpec(
        runID: run, taskID: id, stepID: id, type: type, run: argv, with: with,
        timeoutMilliseconds: timeout.map { Int($0.components.seconds) * 1000 + Int($0.components.attoseconds / 1_000_000_000_000_000) },
        retry: retry, outputRefs: outputRefs)
    let json = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
    return TaskRecord(
        id: id, step: id, queue: "default", priority: priority, deps: dependencies.count, dependents: dependents,
        limits: ["run"], refs: outputRefs.values.flatMap { $0 }, spec: json, maxAttempts: retry.maxAttempts,
        continueOnError: false, lostRetry: TaskRecord.lostRetry(for: retry))
}
