import Testing
@testable import QrewCore

/// `RunStatistics` on hand-built runs whose figures are worked out by hand.
struct RunStatisticsTests {
    typealias Attempt = RunRecords.Attempt

    /// a (0–2 s) and b (parked on pool db of size 1 until a ends, 2–4 s), then c after both
    /// (ready at 4 s, runs 5–6 s); the run ends at 6 s.
    static let poolRun = RunRecords(
        runID: "r", workflow: "w", state: "succeeded", createdAt: 0, finishedAt: 6000, now: 9000,
        tasks: [
            .init(id: "a", step: "a", state: "succeeded", dependencies: [], limits: ["pool:db"],
                  attempts: [Attempt(readyAt: 0, startedAt: 0, endedAt: 2000, outcome: "succeeded")]),
            .init(id: "b", step: "b", state: "succeeded", dependencies: [], limits: ["pool:db"],
                  attempts: [Attempt(readyAt: 0, startedAt: 2000, endedAt: 4000, outcome: "succeeded")]),
            .init(id: "c", step: "c", state: "succeeded", dependencies: ["a", "b"], limits: [],
                  attempts: [Attempt(readyAt: nil, startedAt: 5000, endedAt: 6000, outcome: "succeeded")]),
        ],
        limitSizes: ["pool:db": 1], estimates: ["a": 10_000])

    @Test func wallTimeConcurrencyAndEfficiency() {
        let stats = RunStatistics(Self.poolRun)
        #expect(stats.wallSeconds == 6)
        #expect(stats.taskSeconds == 5)
        #expect(stats.peakConcurrency == 1)
        #expect(abs(stats.meanConcurrency - 5.0 / 6) < 1e-9)
        #expect(abs((stats.parallelEfficiency ?? 0) - 5.0 / 6) < 1e-9)
        #expect(stats.successRate == 1)
        #expect(stats.states == ["succeeded": 3])
        #expect(stats.eta == nil)
    }

    @Test func criticalPathsPlannedAndActual() {
        let stats = RunStatistics(Self.poolRun)
        // Actual: c, back through the dependency that finished last (b).
        #expect(stats.criticalPath.actual.tasks == ["b", "c"])
        #expect(stats.criticalPath.actual.seconds == 3)
        // b waited 2 s for the pool, c 1 s after b (its first attempt's ready time is its dependencies' end).
        #expect(stats.criticalPath.actual.waitSeconds == 3)
        // Planned: a's estimate (10 s) makes a → c the longest chain.
        #expect(stats.criticalPath.planned.tasks == ["a", "c"])
        #expect(stats.criticalPath.planned.seconds == 11)
    }

    @Test func poolFigures() throws {
        let pool = try #require(RunStatistics(Self.poolRun).pools.first)
        #expect(pool.limit == "pool:db")
        #expect(pool.size == 1)
        #expect(abs((pool.utilization ?? 0) - 4.0 / 6) < 1e-9)
        #expect(abs((pool.fullFraction ?? 0) - 4.0 / 6) < 1e-9)
        #expect(pool.parkedSeconds == 2)
        #expect(pool.tasks == 2)
    }

    @Test func stepFigures() throws {
        let steps = RunStatistics(Self.poolRun).steps
        #expect(steps.map(\.step) == ["a", "b", "c"])
        let b = try #require(steps.first { $0.step == "b" })
        #expect(b.runSecondsP50 == 2 && b.runSecondsMax == 2)
        #expect(b.queueWaitSecondsP50 == 2 && b.queueWaitSecondsMax == 2)
        #expect(b.onCriticalPath)
        #expect(steps.first { $0.step == "a" }?.onCriticalPath == false)
    }

    @Test func recommendationsForAFullPoolAndCriticalWaits() {
        let sentences = RunStatistics(Self.poolRun).recommendations
        #expect(sentences.contains("pool `db` was full 67 % of the run and tasks waited 2.0 s for it: raise its size or lower `maxConcurrency` elsewhere"))
        #expect(sentences.contains("step `b` is on the critical path and waited 50 % of its time in the queue: give it more priority or more worker slots"))
        #expect(sentences.contains("step `c` is on the critical path and waited 50 % of its time in the queue: give it more priority or more worker slots"))
        #expect(!sentences.contains { $0.contains("`a`") })
    }

    @Test func attemptsAndTimeoutRetriesFromStoredEvents() throws {
        let events: [[String: String]] = [
            ["type": "run_queued", "run": "r", "ts": "0"],
            ["type": "task_started", "task": "fetch", "attempt": "1", "ts": "100"],
            ["type": "task_retrying", "task": "fetch", "outcome": "timed_out", "attempt": "1", "retryAt": "1200", "ts": "1100"],
            ["type": "task_started", "task": "fetch", "attempt": "2", "ts": "1300"],
            ["type": "task_retrying", "task": "fetch", "outcome": "timed_out", "attempt": "2", "retryAt": "2400", "ts": "2300"],
            ["type": "task_started", "task": "fetch", "attempt": "3", "ts": "2400"],
            ["type": "task_retrying", "task": "fetch", "outcome": "failed", "attempt": "3", "retryAt": "2600", "ts": "2500"],
            ["type": "task_started", "task": "fetch", "attempt": "4", "ts": "2700"],
            ["type": "task_finished", "task": "fetch", "state": "succeeded", "attempt": "4", "ts": "2900"],
        ]
        let records = RunRecords(
            runID: "r", run: ["name": "w", "state": "succeeded", "createdAt": "0", "finishedAt": "3000"],
            tasks: [["id": "fetch", "step": "fetch", "state": "succeeded", "dependents": "[]", "queuedAt": "2600",
                     "startedAt": "2700", "finishedAt": "2900"]],
            events: events, now: 5000)
        let attempts = try #require(records.tasks.first).attempts
        #expect(attempts.map(\.startedAt) == [100, 1300, 2400, 2700])
        #expect(attempts.map(\.readyAt) == [nil, 1200, 2400, 2600])
        #expect(attempts.map(\.outcome) == ["retry:timed_out", "retry:timed_out", "retry:failed", "succeeded"])
        let stats = RunStatistics(records)
        let step = try #require(stats.steps.first)
        #expect(step.retries == 3 && step.retriesAfterTimeout == 2 && step.failures == 0)
        // Waits: 100 (created at 0), 100, 0, 100 ms.
        #expect(step.queueWaitSecondsMax == 0.1)
        #expect(stats.recommendations.contains("2 of 3 retries of `fetch` followed timeouts: raise its timeout"))
    }

    @Test func aFanOutPlaceholdersAttemptEndsWhenItExpands() throws {
        let records = RunRecords(
            runID: "r", run: ["state": "running", "createdAt": "0"],
            tasks: [["id": "fan", "step": "fan", "state": "expanded", "startedAt": "10"]],
            events: [["type": "task_started", "task": "fan", "attempt": "1", "ts": "10"],
                     ["type": "task_expanded", "task": "fan", "tasks": "3", "ts": "30"]],
            now: 1000)
        #expect(records.tasks[0].attempts == [Attempt(readyAt: nil, startedAt: 10, endedAt: 30, outcome: "expanded")])
        #expect(RunStatistics(records).taskSeconds == 0.02)
        #expect(!records.tasks[0].isFinal)
    }

    @Test func hashFallbackWhenTheStreamLostATasksEvents() throws {
        let records = RunRecords(
            runID: "r", run: ["state": "running", "createdAt": "0"],
            tasks: [["id": "a", "step": "a", "state": "succeeded", "queuedAt": "10", "startedAt": "20", "finishedAt": "70", "dependents": "[\"b\"]"],
                    ["id": "b", "step": "b", "state": "running", "queuedAt": "70", "startedAt": "80"]],
            events: [], now: 100)
        #expect(records.tasks[0].attempts == [Attempt(readyAt: 10, startedAt: 20, endedAt: 70, outcome: "succeeded")])
        #expect(records.tasks[1].attempts == [Attempt(readyAt: 70, startedAt: 80, endedAt: nil, outcome: nil)])
        #expect(records.tasks[1].dependencies == ["a"])
    }

    @Test func etaPricesTheRemainingCriticalPath() throws {
        // a runs since 1 s before now (estimate 3 s: 2 s left), b waits on a (estimate 5 s);
        // c waits on a with no estimate and no finished attempt: counted 0, named.
        let records = RunRecords(
            runID: "r", workflow: "w", state: "running", createdAt: 0, finishedAt: nil, now: 10_000,
            tasks: [
                .init(id: "a", step: "a", state: "running", dependencies: [], limits: [],
                      attempts: [Attempt(readyAt: 0, startedAt: 9000, endedAt: nil, outcome: nil)]),
                .init(id: "b", step: "b", state: "waiting", dependencies: ["a"], limits: [], attempts: []),
                .init(id: "c", step: "c", state: "waiting", dependencies: ["a"], limits: [], attempts: []),
                .init(id: "done", step: "done", state: "succeeded", dependencies: [], limits: [],
                      attempts: [Attempt(readyAt: 0, startedAt: 0, endedAt: 8000, outcome: "succeeded")]),
            ],
            estimates: ["a": 3000, "b": 5000])
        let eta = try #require(RunStatistics(records).eta)
        #expect(eta.remainingSeconds == 7)
        #expect(eta.at == 17_000)
        #expect(eta.path == ["a", "b"])
        #expect(eta.unestimatedSteps == ["c"])
    }

    @Test func aRunWhereNothingRanHasNoEfficiency() {
        let records = RunRecords(runID: "r", workflow: "w", state: "queued", createdAt: 0, finishedAt: nil, now: 0,
                                 tasks: [.init(id: "a", step: "a", state: "ready", dependencies: [], limits: [], attempts: [])])
        let stats = RunStatistics(records)
        #expect(stats.parallelEfficiency == nil)
        #expect(stats.peakConcurrency == 0)
        #expect(stats.criticalPath.actual.tasks.isEmpty)
        #expect(stats.successRate == nil)
        #expect(stats.recommendations.isEmpty)
    }

    @Test func keyedLimitSizesComeFromTheirNames() {
        #expect(RunRecords.keyedLimitSize("key:3:tenant-a") == 3)
        #expect(RunRecords.keyedLimitSize("key:3:a:b") == 3)
        #expect(RunRecords.keyedLimitSize("pool:db") == nil)
    }
}

/// Circuit breakers in `RunStatistics`: what the run's attempts counted at each, and its state.
struct RunStatisticsBreakerTests {
    typealias Attempt = RunRecords.Attempt

    @Test func failedAttemptsAtABreakerAndItsStateNow() throws {
        let gate = "breaker:2:30000:60000:api%2Cv2"
        let records = RunRecords(
            runID: "r", workflow: "w", state: "failed", createdAt: 0, finishedAt: 5000, now: 6000,
            tasks: [
                .init(id: "call", step: "call", state: "failed", dependencies: [], limits: [],
                      attempts: [Attempt(readyAt: 0, startedAt: 0, endedAt: 1000, outcome: "retry:failed"),
                                 Attempt(readyAt: 1500, startedAt: 1500, endedAt: 2000, outcome: "failed")],
                      gates: [gate, "rate:10:1000:api"]),
                .init(id: "ok", step: "ok", state: "succeeded", dependencies: [], limits: [],
                      attempts: [Attempt(readyAt: 0, startedAt: 0, endedAt: 100, outcome: "succeeded")], gates: [gate]),
            ],
            breakers: ["api%2Cv2": .init(state: "open", until: 62_000)])
        #expect(records.breakerKeys == ["api%2Cv2"])
        let stats = RunStatistics(records)
        let breaker = try #require(stats.breakers.first)
        #expect(stats.breakers.count == 1)
        #expect(breaker.key == "api,v2" && breaker.failures == 2 && breaker.windowSeconds == 30 && breaker.cooldownSeconds == 60)
        #expect(breaker.tasks == 2 && breaker.failedAttempts == 2)
        #expect(breaker.state == "open" && breaker.openUntil == 62_000)
        #expect(stats.recommendations.contains { $0.hasPrefix("circuit breaker `api,v2` counted 2 failed attempts of this run (it opens at 2 within 30 s)") })
    }

    @Test func gatesThatAreNoBreakers() {
        #expect(BreakerGate("rate:10:1000:api") == nil)
        #expect(BreakerGate("breaker:x:1:1:api") == nil)
        #expect(BreakerGate("breaker:3:1000:2000:a:b")?.key == "a:b")
    }
}
