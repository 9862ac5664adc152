import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Testing
@testable import QrewWorker
@testable import qrew_chaos

extension WorkerServiceTests {
    /// A worker cut off from Redis by a partition (the chaos suite's black-holing proxy: no FIN,
    /// no RST) must not hang: it notices through its socket timeouts, the lease is taken back
    /// meanwhile, and once the partition heals it reconnects, learns the lease is gone and kills
    /// the orphaned process. Healed both ways: held connections resumed, or reset.
    @Suite struct Partition {
        @Test(arguments: [false, true])
        func aPartitionedWorkerLosesItsLeaseReconnectsAndKillsTheOrphanedProcess(reset: Bool) async throws {
            try await withWorkerFixture { fixture in
                let proxy = try PartitionProxy(targetPort: fixture.server.port)
                defer { proxy.close() }
                let retry = RetryPolicy(maxRetries: 1, backoff: .fixed, initial: .seconds(3600), cap: .seconds(3600), jitter: false)
                try await fixture.submit("r1", [try taskRecord("r1", "long", argv: ["sh", "-c", "echo $$; exec sleep 30"], retry: retry)])
                let worker = try fixture.worker(lease: .seconds(3), redisURL: "redis://127.0.0.1:\(proxy.port)")
                try await running(worker) {
                    let pid = try #require(try await fixture.printedPID("r1", "long"))
                    proxy.partition()
                    // The coordinator (the test here) takes the lease back once it expires; the
                    // retry waits an hour (the task's policy), so nobody claims the task again meanwhile.
                    #expect(try await fixture.eventually(.seconds(10)) {
                        try await fixture.queue.reapLeases(fence: fixture.fence) == ["r1/long"]
                    })
                    #expect(kill(pid, 0) == 0, "the process keeps running while the worker is cut off")
                    proxy.heal(reset: reset)
                    #expect(try await fixture.eventually(.seconds(15)) { kill(pid, 0) != 0 }, "orphaned process \(pid) still runs")
                    #expect(try await fixture.field("r1", "long", "state") == "ready")
                }
                #expect(fixture.log.count(containing: "Redis unreachable") >= 1, "\(fixture.log.all)")
                #expect(fixture.log.count(containing: "lease of r1/long lost") == 1, "\(fixture.log.all)")
            }
        }
    }
}
