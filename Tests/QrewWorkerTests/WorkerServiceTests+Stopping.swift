import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Testing
@testable import QrewWorker

extension WorkerServiceTests {
    /// Every way a running task is stopped before it finishes by itself.
    @Suite struct Stopping {
        /// A task that prints its process group id, then sleeps.
        static let sleeper = ["sh", "-c", "echo $$; sleep 60"]

        @Test func aTimeoutEndsTimedOutAndTheProcessIsGone() async throws {
            try await withWorkerFixture { fixture in
                try await fixture.submit("r1", [try taskRecord("r1", "slow", argv: Self.sleeper, timeout: .milliseconds(500))])
                try await running(try fixture.worker()) {
                    let pgid = try #require(try await fixture.printedPID("r1", "slow"))
                    try await fixture.expect("r1", "slow", state: "timed_out")
                    #expect(!ProcessGroup.hasLiveMembers(pgid))
                }
                #expect(try await fixture.field("r1", "slow", "error")?.hasPrefix("timed out after 500ms") == true)
            }
        }

        @Test func cancelingTheRunStopsARunningTaskWithinASecond() async throws {
            try await withWorkerFixture { fixture in
                try await fixture.submit("r1", [try taskRecord("r1", "nap", argv: Self.sleeper)])
                let worker = try fixture.worker()
                try await running(worker) {
                    let pgid = try #require(try await fixture.printedPID("r1", "nap"))
                    let canceledAt = ContinuousClock.now
                    #expect(try await fixture.queue.cancelRun("r1", reason: "user") == 1)
                    let gone = try await fixture.eventually(.seconds(3)) { !ProcessGroup.hasLiveMembers(pgid) }
                    let elapsed = ContinuousClock.now - canceledAt
                    #expect(gone)
                    #expect(elapsed < .seconds(2), "process group gone after \(elapsed) (about 0.1 s when the machine is idle; slack for a loaded test run)")
                    #expect(try await fixture.eventually(.seconds(2)) { worker.runningCount == 0 })
                }
                #expect(try await fixture.field("r1", "nap", "state") == "canceled")
                #expect(fixture.log.count(containing: "its run was canceled") >= 1)
            }
        }

        @Test func aLeaseReportedLostByTheHeartbeatKillsTheProcess() async throws {
            try await withWorkerFixture { fixture in
                try await fixture.submit("r1", [try taskRecord("r1", "nap", argv: Self.sleeper)])
                // Heartbeats every 500 ms.
                let worker = try fixture.worker(lease: .milliseconds(1500))
                try await running(worker) {
                    let pgid = try #require(try await fixture.printedPID("r1", "nap"))
                    // What a reaper does when it reclaims the lease: the token changes hands.
                    let key = fixture.keys.task(TaskRef(runID: "r1", taskID: "nap"))
                    _ = try await fixture.redis.send("HSET", .string(key), "token", "someone-else")
                    #expect(try await fixture.eventually(.seconds(3)) { !ProcessGroup.hasLiveMembers(pgid) })
                    #expect(try await fixture.eventually(.seconds(2)) { worker.runningCount == 0 })
                }
                // Not completed by the worker that lost it.
                #expect(try await fixture.field("r1", "nap", "state") == "running")
                #expect(try await fixture.field("r1", "nap", "finishedAt") == nil)
                #expect(fixture.log.count(containing: "lease of r1/nap lost") == 1)
            }
        }

        @Test func drainHandsBackATaskStillRunningAfterTheDrainTime() async throws {
            try await withWorkerFixture { fixture in
                try await fixture.submit("r1", [
                    try taskRecord("r1", "long", argv: Self.sleeper),
                    try taskRecord("r1", "short", argv: ["sh", "-c", "echo $$; sleep 0.2"]),
                ])
                let worker = try fixture.worker(drain: .milliseconds(700))
                let run = Task { await worker.run() }
                let pgid = try #require(try await fixture.printedPID("r1", "long"))
                _ = try #require(try await fixture.printedPID("r1", "short"))
                let drainedAt = ContinuousClock.now
                worker.drain()
                #expect(await within(.seconds(10)) { await run.value } != nil)
                let elapsed = ContinuousClock.now - drainedAt
                #expect(elapsed < .seconds(3), "drain took \(elapsed)")
                // The short task finished within the drain time; the long one went back.
                #expect(try await fixture.field("r1", "short", "state") == "succeeded")
                #expect(try await fixture.field("r1", "long", "state") == "ready")
                #expect(try await fixture.field("r1", "long", "attempt") == "0")
                #expect(!ProcessGroup.hasLiveMembers(pgid))
                let ready = try await fixture.redis.send("ZRANGE", .string(fixture.keys.ready(queue: "default")), "0", "-1")
                #expect(ready.array?.compactMap(\.string) == ["r1/long"])
                #expect(fixture.log.count(containing: "handed back r1/long") == 1)
            }
        }
    }
}
