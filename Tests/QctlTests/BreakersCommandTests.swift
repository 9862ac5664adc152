import Foundation
import QrewCore
import QrewQueue
import Testing

/// `qctl breakers` (list, reset) and the `waiting:` reason of `qctl status`, on a real
/// redis-server and coordinator with the test playing the worker.
@Suite("qctl breakers")
struct BreakersCommandTests {
    static let workflow = """
        name: flaky
        steps:
          - id: call
            type: echo
            with: { message: hi }
            matrix: { n: [a, b, c] }
            circuitBreaker: { failures: 1, window: 10m, cooldown: 10m, key: "partner,api" }
        """

    @Test func anOpenBreakerIsListedExplainedInStatusAndReset() async throws {
        try await withCluster { cluster in
            let submitted = try await qctl("submit", try temporaryFile("flaky.yaml", Self.workflow), "--json", environment: cluster.environment)
            let runID = try #require(submitted.stdout.firstMatch(of: /"id" *: *"([^"]+)"/).map { String($0.output.1) })
            _ = try await cluster.waitForRun(runID) { $0.tasks.count == 3 }
            let first = try await cluster.queue.claim(worker: "w1", lease: .seconds(30), max: 1, queues: ["default"])
            try #require(first.count == 1)
            _ = try await cluster.queue.complete(first[0], outcome: .failed, exitCode: 1, output: "", error: "HTTP 503", retryDelay: nil)
            #expect(try await cluster.queue.claim(worker: "w1", lease: .seconds(30), max: 10, queues: ["default"]).isEmpty)

            let listed = try await qctl("breakers", environment: cluster.environment)
            #expect(listed.status == 0, "\(listed.stderr)")
            let row = try #require(listed.stdout.split(separator: "\n").first { $0.hasPrefix("partner,api") }, "\(listed.stdout)")
            #expect(row.contains("open"), "\(row)")
            #expect(row.hasSuffix(" 2"), "two tasks wait: \(row)")

            let json = try await qctl("breakers", "--json", environment: cluster.environment)
            let breakers = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
            #expect(breakers.count == 1)
            #expect(Set(breakers.first?.keys.map { $0 } ?? []) == ["key", "state", "failuresInWindow", "parked", "openUntil", "openedAt", "probe"])
            #expect(breakers.first?["probe"] is NSNull)
            #expect(breakers.first?["failuresInWindow"] as? Int == 1)

            let status = try await qctl("status", runID, environment: cluster.environment)
            #expect(status.stdout.contains("waiting: circuit breaker 'partner,api' open until"), "\(status.stdout)")

            let reset = try await qctl("breakers", "reset", "partner,api", environment: cluster.environment)
            #expect(reset.status == 0, "\(reset.stderr)")
            #expect(try await cluster.queue.claim(worker: "w1", lease: .seconds(30), max: 10, queues: ["default"]).count == 2)
            let empty = try await qctl("breakers", "list", "--json", environment: cluster.environment)
            let array = try JSONSerialization.jsonObject(with: Data(empty.stdout.utf8)) as? [Any]
            #expect(array?.isEmpty == true, "closed by the reset: \(empty.stdout)")
        }
    }

    @Test func resettingAnUnknownBreakerFails() async throws {
        try await withCluster(coordinator: false) { cluster in
            let reset = try await qctl("breakers", "reset", "nope", environment: cluster.environment)
            #expect(reset.status == 1)
            #expect(reset.stderr.contains("no circuit breaker 'nope'"), "\(reset.stderr)")
            let listed = try await qctl("breakers", environment: cluster.environment)
            #expect(listed.stdout.contains("no circuit breaker has failures"), "\(listed.stdout)")
        }
    }
}
