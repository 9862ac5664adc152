import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Synchronization
import Testing

/// Moves the scripts' clock (Redis's) forward by hand, so lease expiry and backoff need no
/// sleeping: an offset the queue client passes to every script.
final class ManualClock: Sendable {
    private let milliseconds = Mutex(0)
    var offset: Int { milliseconds.withLock { $0 } }
    func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        milliseconds.withLock { $0 += Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000) }
    }
}

/// A queue client on a fresh redis-server, a manual clock and a leader fence, for one test.
struct QueueFixture {
    let queue: QueueClient
    let clock: ManualClock
    let fence: String

    var redis: RedisClient { queue.redis }

    /// The state field of a task.
    func state(_ run: String, _ task: String) async throws -> String? {
        try await redis.send("HGET", .string(queue.keys.task(TaskRef(runID: run, taskID: task))), "state").string
    }

    func runField(_ run: String, _ field: String) async throws -> String? {
        try await redis.send("HGET", .string(queue.keys.run(run)), .string(field)).string
    }

    /// Reads and applies every pending completion event, as a coordinator would.
    @discardableResult
    func applyAll() async throws -> Int {
        try await queue.ensureCoordinatorGroup(on: queue.keys.events)
        let entries = try await queue.readNew(stream: queue.keys.events, consumer: "test", count: 1000, block: .milliseconds(10))
        return try await queue.applyEvents(
            entries.map { ($0.id, $0.fields["ref"] ?? "") }, fence: fence,
            group: QueueClient.coordinatorGroup)
    }

    /// Claims from the default queue and returns the claimed task ids in order.
    func claim(_ max: Int, worker: String = "w1", lease: Duration = .seconds(30)) async throws -> [ClaimedTask] {
        try await queue.claim(worker: worker, lease: lease, max: max, queues: ["default"])
    }

    /// Claims `count` tasks and fails the test (rather than crashing it on an index) if fewer come.
    func claimExactly(_ count: Int, worker: String = "w1", lease: Duration = .seconds(30)) async throws -> [ClaimedTask] {
        let claimed = try await claim(count, worker: worker, lease: lease)
        try #require(claimed.count == count, "claimed \(claimed.map(\.ref.taskID)), expected \(count) tasks")
        return claimed
    }

    @discardableResult
    func succeed(_ task: ClaimedTask, output: String = "") async throws -> Bool {
        try await queue.complete(task, outcome: .succeeded, exitCode: 0, output: output, error: nil, retryDelay: nil)
    }

    @discardableResult
    func fail(_ task: ClaimedTask, retryDelay: Duration? = nil) async throws -> Bool {
        try await queue.complete(task, outcome: .failed, exitCode: 1, output: "", error: "boom", retryDelay: retryDelay)
    }

    /// Submits a run from compact task descriptions.
    @discardableResult
    func submit(
        _ run: String, _ tasks: [TaskRecord], limits: [String: Int] = ["run": 100], fields: [String: String] = [:]
    ) async throws -> Bool {
        try await queue.submitRun(RunRecord(runID: run, fields: fields, limits: limits, tasks: tasks), fence: fence).created
    }
}

/// A task record with the given graph edges; everything else defaulted.
func task(
    _ id: String, priority: Int = 10, after dependencies: [String] = [], before dependents: [String] = [],
    limits: [String] = ["run"], refs: [String] = [], maxAttempts: Int = 1, continueOnError: Bool = false,
    lostRetry: String = "fixed,0,0,0", fields: [String: String] = [:]
) -> TaskRecord {
    TaskRecord(
        id: id, step: id, queue: "default", priority: priority, deps: dependencies.count, dependents: dependents,
        limits: limits, refs: refs, spec: #"{"type":"echo"}"#, maxAttempts: maxAttempts, continueOnError: continueOnError,
        lostRetry: lostRetry, fields: fields)
}

/// Runs `body` against a fresh redis-server with a leader fence already acquired.
func withQueue(_ body: (QueueFixture) async throws -> Void) async throws {
    try await withRedisServer { server in
        let redis = RedisClient(configuration: try testConfiguration(for: server))
        defer { redis.close() }
        let clock = ManualClock()
        let scripts = try ScriptLibrary.bundled.get()
        let queue = QueueClient(redis: redis, keys: Keys(prefix: "qt"), scripts: scripts, clockOffset: { clock.offset })
        let fence = try #require(try await queue.acquireLeadership(coordinatorID: "test", lease: .seconds(3600)))
        try await body(QueueFixture(queue: queue, clock: clock, fence: fence))
    }
}
