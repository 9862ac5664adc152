import QrewCore
import QrewQueue
import QrewRedis
import Testing

@Suite("reap_leases and heartbeat")
struct ReapLeasesTests {
    @Test func anExpiredLeaseIsRequeuedAndTheOldTokenRefused() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2)])
            let first = try #require(try await q.claim(1, worker: "dead", lease: .seconds(10)).first)
            #expect(try await q.queue.reapLeases(fence: q.fence).isEmpty)
            q.clock.advance(by: .seconds(11))
            #expect(try await q.queue.reapLeases(fence: q.fence) == ["r1/a"])
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            let second = try #require(try await q.claim(1, worker: "alive").first)
            #expect(second.attempt == 2)
            #expect(try await q.succeed(first) == false)
            #expect(try await q.succeed(second))
        }
    }

    @Test func aLeaseLostOnTheLastAttemptEndsTheTaskLost() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", before: ["b"]), task("b", after: ["a"])])
            _ = try await q.claim(1, lease: .seconds(1))
            q.clock.advance(by: .seconds(2))
            _ = try await q.queue.reapLeases(fence: q.fence)
            #expect(try await q.state("r1", "a") == "lost")
            try await q.applyAll()
            #expect(try await q.state("r1", "b") == "skipped")
            #expect(try await q.runField("r1", "state") == "failed")
            let finished = try await q.queue.runEvents("r1").filter { $0.fields["type"] == "task_finished" && $0.fields["task"] == "a" }
            #expect(finished.map { $0.fields["state"] } == ["lost"])
        }
    }

    @Test func aLostAttemptIsNotRetriedWhenThePolicyDoesNotRetryLost() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 5, lostRetry: "")])
            _ = try await q.claim(1, lease: .seconds(1))
            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.reapLeases(fence: q.fence) == ["r1/a"])
            #expect(try await q.state("r1", "a") == "lost")
            try await q.applyAll()
            #expect(try await q.queue.deadLetters().map(\.ref) == ["r1/a"])
        }
    }

    @Test(arguments: [(1, 2000), (2, 4000), (3, 5000), (4, 5000)])
    func aLostAttemptWaitsThePolicysBackoff(attempts: Int, expectedDelay: Int) async throws {
        try await withQueue { q throws in
            let policy = TaskRecord.lostRetry(for: RetryPolicy(
                maxRetries: 10, backoff: .exponential, initial: .seconds(2), cap: .seconds(5), jitter: false, retryOn: [.lost]))
            #expect(policy == "exponential,2000,5000,0")
            try await q.submit("r1", [task("a", maxAttempts: 11, lostRetry: policy)])
            var delay = 0
            for attempt in 1...attempts {
                _ = try await q.queue.promoteDelayed(fence: q.fence)
                let claimed = try await q.claimExactly(1, lease: .seconds(1))
                #expect(claimed.first?.attempt == attempt)
                q.clock.advance(by: .seconds(2))
                #expect(try await q.queue.reapLeases(fence: q.fence) == ["r1/a"])
                // finishedAt is the reaping call's time: the delay is exact.
                let times = try await q.redis.send(
                    "HMGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "a"))), "retryAt", "finishedAt").array ?? []
                let retryAt = Int(times.first?.string ?? "") ?? 0, reapedAt = Int(times.last?.string ?? "") ?? 0
                delay = retryAt - reapedAt
                q.clock.advance(by: .seconds(6))
            }
            #expect(delay == expectedDelay, "the last retry waits \(delay) ms")
            let retrying = try await q.queue.runEvents("r1").filter { $0.fields["type"] == "task_retrying" }
            #expect(retrying.count == attempts)
            #expect(retrying.allSatisfy { $0.fields["outcome"] == "lost" })
        }
    }

    @Test func heartbeatRenewsHeldLeasesAndReportsLostOnes() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b")])
            let claimed = try await q.claim(2, lease: .seconds(10))
            q.clock.advance(by: .seconds(8))
            let held = claimed.map { (ref: $0.ref, token: $0.token) }
            let lost = try await q.queue.heartbeat(worker: "w1", lease: .seconds(10), info: "{}", holding: held + [(TaskRef(runID: "r1", taskID: "gone"), "1")])
            #expect(lost == [TaskRef(runID: "r1", taskID: "gone")])
            q.clock.advance(by: .seconds(8))
            #expect(try await q.queue.reapLeases(fence: q.fence).isEmpty)
            #expect(try await q.redis.send("ZSCORE", .string(q.queue.keys.workers), "w1").string != nil)
        }
    }

    /// What the metrics count (`qrew_lease_reclaims_total{outcome}`): a task with attempts left
    /// retries, one on its last attempt ends lost.
    @Test func eachReapedTaskComesWithWhatBecameOfIt() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", maxAttempts: 2), task("b")])
            #expect(try await q.claim(2, lease: .seconds(1)).count == 2)
            q.clock.advance(by: .seconds(2))
            let reaped = try await q.queue.reapLeasesWithOutcomes(fence: q.fence)
            #expect(Dictionary(uniqueKeysWithValues: reaped.map { ($0.ref, $0.outcome) }) == ["r1/a": "retrying", "r1/b": "lost"])
        }
    }
}
