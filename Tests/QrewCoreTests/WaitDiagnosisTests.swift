import Testing
@testable import QrewCore

/// `WaitDiagnosis`: one case per reason a task is not running.
struct WaitDiagnosisTests {
    static let tasks: [String: [String: String]] = [
        "build": ["id": "build", "state": "running", "worker": "w1", "startedAt": "1000", "attempt": "1", "dependents": "[\"test\",\"ship\"]"],
        "lint": ["id": "lint", "state": "succeeded", "dependents": "[\"ship\"]"],
        "test": ["id": "test", "state": "waiting", "dependents": "[]"],
        "ship": ["id": "ship", "state": "waiting", "dependents": "[]"],
        "fetch": ["id": "fetch", "state": "ready", "attempt": "2", "retryAt": "5000", "error": "exit status 1"],
        "db": ["id": "db", "state": "ready", "limits": "run,pool:db", "queue": "default"],
        "api": ["id": "api", "state": "ready", "queue": "default"],
        "gpu": ["id": "gpu", "state": "ready", "queue": "gpu"],
        "idle": ["id": "idle", "state": "ready", "queue": "default"],
        "moving": ["id": "moving", "state": "ready", "queue": "default"],
        "gate": ["id": "gate", "state": "ready", "queue": "default"],
        "approve": ["id": "approve", "state": "ready", "await": "approval", "approvers": "alice", "queuedAt": "1000", "queueTimeoutMs": "60000"],
        "skip": ["id": "skip", "state": "skipped", "error": "condition false: params.x == 'y'"],
    ]

    static func facts(runState: String = "running", queues: [String: WaitFacts.QueueService] = [
        "default": .init(workers: ["w1"], slots: 2, running: 1),
    ]) -> WaitFacts {
        WaitFacts(runState: runState, now: 2000, tasks: tasks, delayed: ["fetch"], queued: ["api", "gpu", "idle", "gate"],
                  parkedOn: ["db": ["pool:db"]],
                  limits: ["pool:db": .init(size: 1, inflight: 1, holders: ["other-run/migrate"])],
                  gates: ["gate": .init(summary: "circuit breaker 'api' open", until: 9000)], queues: queues)
    }

    static func explain(_ task: String, _ facts: WaitFacts = facts()) throws -> WaitDiagnosis {
        try #require(WaitDiagnosis.explain(task: task, facts: facts, time: { "t\($0)" }))
    }

    @Test func dependenciesNotFinishedAreNamed() throws {
        let test = try Self.explain("test")
        #expect(test.reason == .dependencies && test.waitingOn == ["build"])
        #expect(test.detail == "waiting for `build` to finish")
        // lint succeeded: only build is still pending.
        #expect(try Self.explain("ship").waitingOn == ["build"])
    }

    @Test func parkedOnAFullPoolNamesItsHolders() throws {
        let db = try Self.explain("db")
        #expect(db.reason == .parked && db.limit == "pool:db" && db.heldBy == ["other-run/migrate"])
        #expect(db.detail == "parked: pool `db` is full (1 of 1 slots, held by other-run/migrate)")
    }

    @Test func backingOffUntilTheRetry() throws {
        let fetch = try Self.explain("fetch")
        #expect(fetch.reason == .backingOff && fetch.until == 5000)
        #expect(fetch.detail == "backing off after attempt 2 failed: exit status 1; retries at t5000")
    }

    @Test func queueStates() throws {
        #expect(try Self.explain("api").reason == .claimable)
        let gpu = try Self.explain("gpu")
        #expect(gpu.reason == .noWorker && gpu.queue == "gpu")
        #expect(gpu.detail.contains("--queues gpu"))
        let busy = Self.facts(queues: ["default": .init(workers: ["w1", "w2"], slots: 4, running: 4)])
        let idle = try Self.explain("idle", busy)
        #expect(idle.reason == .slotsBusy)
        #expect(idle.detail == "queued on `default`: all 4 slots of its 2 worker(s) are busy")
        #expect(try Self.explain("moving").reason == .inTransit)
    }

    @Test func gatesAwaitingRunningAndFinished() throws {
        let gate = try Self.explain("gate")
        #expect(gate.reason == .gate && gate.until == 9000 && gate.detail == "circuit breaker 'api' open until t9000")
        let approve = try Self.explain("approve")
        #expect(approve.reason == .awaiting && approve.until == 61_000)
        #expect(approve.detail == "waiting for approval by alice (`qctl approve`); times out at t61000")
        #expect(try Self.explain("build").detail == "running on worker w1 since t1000 (attempt 1)")
        let skip = try Self.explain("skip")
        #expect(skip.reason == .finished && skip.detail == "skipped: condition false: params.x == 'y'")
    }

    @Test func aCancelingRunHoldsEverything() throws {
        #expect(try Self.explain("api", Self.facts(runState: "canceling")).reason == .runCanceling)
        #expect(try Self.explain("test", Self.facts(runState: "canceled")).reason == .runFinished)
        #expect(WaitDiagnosis.explain(task: "nope", facts: Self.facts(), time: { "\($0)" }) == nil)
    }
}
