import Foundation
import QrewCoordinator
import QrewQueue
import QrewRedis
import Testing

/// Lease reaping runs in its own loop (`ReapLoop`), beside the housekeeping that expires the
/// task keys of finished runs, so a task whose worker died is taken back promptly even while a
/// big expiry is under way.
@Suite struct ReapDuringExpiryTests {
    @Test(.timeLimit(.minutes(1)))
    func aLapsedLeaseIsTakenBackWhileABigExpiryIsStillGoing() async throws {
        try await withCoordinatorHarness { h in
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            try await h.submit("""
                name: one
                steps:
                  - { id: a, run: [echo, hi], retries: { max: 2, on: [lost], backoff: fixed, initial: 50ms } }
                """, runID: "r1")
            _ = try await h.waitForRun("r1")
            var claimed: [ClaimedTask] = []
            let claimDeadline = ContinuousClock.now + .seconds(10)
            while claimed.isEmpty, ContinuousClock.now < claimDeadline {
                claimed = try await h.queue.claim(worker: "dies", lease: .milliseconds(500), max: 1, queues: ["default"])
                if claimed.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            try #require(claimed.count == 1)
            let leaseEnds = ContinuousClock.now + .milliseconds(500)

            // A finished run with 400,000 task ids to expire: thousands of `expire_tasks` calls.
            let keys = h.queue.keys
            _ = try await h.queue.redis.send(
                "EVAL", """
                    redis.call('HSET', KEYS[1], 'finishedAt', '1', 'state', 'succeeded')
                    redis.call('PEXPIRE', KEYS[1], 600000)
                    for i = 1, 400000, 1000 do
                      local ids = {}
                      for j = i, i + 999 do ids[#ids + 1] = 't' .. j end
                      redis.call('RPUSH', KEYS[2], unpack(ids))
                    end
                    redis.call('ZADD', KEYS[3], 1, ARGV[1])
                    return 1
                    """, "3", .string(keys.run("big")), .string(keys.runTasks("big")), .string(keys.expiring), "big")

            // The lapsed lease is taken back and, after its 50 ms backoff, the task is queued
            // again: claimable by another worker.
            var reclaimed: [ClaimedTask] = []
            let deadline = ContinuousClock.now + .seconds(20)
            while reclaimed.isEmpty, ContinuousClock.now < deadline {
                reclaimed = try await h.queue.claim(worker: "next", lease: .seconds(30), max: 1, queues: ["default"])
                if reclaimed.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            let tookBack = ContinuousClock.now - leaseEnds
            let expiryLeft = try await h.queue.redis.send("ZSCORE", .string(keys.expiring), "big").string
            try #require(reclaimed.count == 1)
            #expect(reclaimed[0].ref == claimed[0].ref)
            #expect(tookBack < .seconds(3), "taken back \(tookBack) after the lease ended")
            #expect(expiryLeft != nil, "the big expiry was still under way when the lease was taken back")
        }
    }
}
