import Foundation
import QrewCore
import QrewQueue
import Testing

@Suite("qctl dlq")
struct DlqCommandTests {
    @Test func aFailedStepIsListedRequeuedUntilTheRunSucceedsAndPurged() async throws {
        try await withCluster { cluster in
            let submitted = try await qctl("submit", try temporaryFile("small.yaml", smallWorkflow), "--json", environment: cluster.environment)
            let runID = try #require(submitted.stdout.firstMatch(of: /"id" *: *"([^"]+)"/).map { String($0.output.1) })
            try await cluster.work(runID) { $0 == "b" ? .failed : .succeeded }
            #expect(try await cluster.waitForRun(runID) { $0.isFinished }.state == "failed")

            let listed = try await qctl("dlq", "list", "--json", environment: cluster.environment)
            #expect(listed.status == 0, "\(listed.stderr)")
            let letters = try JSONDecoder().decode([DeadLetter].self, from: Data(listed.stdout.utf8))
            #expect(letters.map(\.ref) == ["\(runID)/b"])
            let letter = try #require(letters.first)
            #expect(letter.reason == "b broke on purpose")
            #expect(letter.attempts == 1)

            let shown = try await qctl("dlq", "show", letter.id, environment: cluster.environment)
            #expect(shown.stdout.contains("b broke on purpose"))

            let requeue = try QctlProcess(["dlq", "requeue", letter.id, "--wait"], environment: cluster.environment)
            #expect(await requeue.waitForOutput("2 tasks of run \(runID) will run again"))
            try await cluster.work(runID)
            let result = await requeue.wait()
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(try await cluster.waitForRun(runID) { $0.isFinished }.state == "succeeded")
            #expect(try await cluster.queue.deadLetters().isEmpty)

            let missing = try await qctl("dlq", "requeue", letter.id, environment: cluster.environment)
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no dead letter"))

            _ = try await cluster.queue.redis.send("ZADD", .string(cluster.queue.keys.ready(queue: "default")), "1", "junk")
            _ = try await cluster.queue.claim(worker: "w1", lease: .seconds(30), max: 1, queues: ["default"])
            let refused = try await qctl("dlq", "purge", environment: cluster.environment)
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("--yes"))
            let purged = try await qctl("dlq", "purge", "--yes", environment: cluster.environment)
            #expect(purged.stdout.contains("purged 1 dead letter"))
            let empty = try await qctl("dlq", "list", "--json", environment: cluster.environment)
            #expect(try JSONDecoder().decode([DeadLetter].self, from: Data(empty.stdout.utf8)).isEmpty)
        }
    }
}
