import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Testing
@testable import QrewWorker

extension WorkerServiceTests {
    /// Failures the worker recovers from: a failing attempt with retries left, Redis going away.
    @Suite struct Recovery {
        @Test func aFailingTaskIsRetriedWithTheNextAttemptAfterItsBackoff() async throws {
            try await withWorkerFixture { fixture in
                let retry = RetryPolicy(maxRetries: 1, backoff: .fixed, initial: .milliseconds(200), jitter: false)
                try await fixture.submit("r1", [
                    try taskRecord("r1", "flaky", argv: ["sh", "-c", "echo attempt=$QREW_ATTEMPT; exit 1"], retry: retry),
                ])
                try await running(try fixture.worker()) {
                    // Attempt 1 fails and waits out its backoff in the delayed set.
                    #expect(try await fixture.eventually {
                        try await fixture.field("r1", "flaky", "retryAt") != nil
                    })
                    let events = try await fixture.events("r1")
                    let retrying = try #require(events.first { $0["type"] == "task_retrying" })
                    #expect(retrying["attempt"] == "1")
                    let scheduled = Int(retrying["retryAt"] ?? "") ?? 0
                    #expect(scheduled - (Int(retrying["ts"] ?? "") ?? 0) == 200)

                    // Someone (the coordinator) promotes it once due; the worker runs attempt 2.
                    #expect(try await fixture.queue.promoteDelayed(fence: fixture.fence).promoted == 0)
                    try await Task.sleep(for: .milliseconds(250))
                    #expect(try await fixture.queue.promoteDelayed(fence: fixture.fence).promoted == 1)
                    try await fixture.expect("r1", "flaky", state: "failed")
                }
                #expect(try await fixture.field("r1", "flaky", "attempt") == "2")
                #expect(try await fixture.field("r1", "flaky", "output") == "attempt=2")
            }
        }

        @Test func aRedisRestartMidRunIsLoggedOnceAndTheResultStillLands() async throws {
            // Durable across the kill: the AOF is written on every command.
            let options = RedisServerOptions(appendOnly: true, extraArguments: ["--appendfsync", "always"])
            try await withWorkerFixture(options) { fixture in
                try await fixture.submit("r1", [try taskRecord("r1", "work", argv: ["sh", "-c", "echo $$; sleep 1; echo done"])])
                let worker = try fixture.worker(lease: .seconds(6))
                try await running(worker) {
                    _ = try #require(try await fixture.printedPID("r1", "work"))
                    await fixture.server.kill()
                    // The task finishes while Redis is down; its result waits for Redis.
                    try await Task.sleep(for: .milliseconds(1500))
                    #expect(worker.runningCount == 1)
                    try await fixture.server.start()
                    try await fixture.expect("r1", "work", state: "succeeded")
                    #expect(try await fixture.field("r1", "work", "output") == "done")

                    // Claiming resumed too.
                    try await fixture.submit("r2", [try taskRecord("r2", "after", type: "echo", with: ["message": "back"])])
                    try await fixture.expect("r2", "after", state: "succeeded")
                }
                #expect(fixture.log.count(containing: "Redis unreachable") == 1, "\(fixture.log.all)")
                #expect(fixture.log.count(containing: "Redis reachable again") == 1, "\(fixture.log.all)")
            }
        }
    }
}
