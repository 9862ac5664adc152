import Foundation
import QrewCore
import QrewQueue
import Testing

@Suite("qctl retry")
struct RetryCommandTests {
    @Test func rerunsTheFailedAndSkippedStepsThenSucceeds() async throws {
        try await withCluster { cluster in
            let submitted = try await qctl("submit", try temporaryFile("small.yaml", smallWorkflow), "--json", environment: cluster.environment)
            let runID = try #require(submitted.stdout.firstMatch(of: /"id" *: *"([^"]+)"/).map { String($0.output.1) })
            try await cluster.work(runID) { $0 == "b" ? .failed : .succeeded }
            #expect(try await cluster.waitForRun(runID) { $0.isFinished }.state == "failed")

            let unfinished = try await qctl("retry", "no-such-run", environment: cluster.environment)
            #expect(unfinished.status == 1)

            let retry = try QctlProcess(["retry", runID, "--wait"], environment: cluster.environment)
            #expect(await retry.waitForOutput("retrying 2 tasks"))
            try await cluster.work(runID)
            let result = await retry.wait()
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            let run = try await cluster.waitForRun(runID) { $0.isFinished }
            #expect(run.state == "succeeded")
            let attempts = Dictionary(uniqueKeysWithValues: run.tasks.map { ($0["id"] ?? "", $0["attempt"] ?? "") })
            #expect(attempts["a"] == "1")
            #expect(attempts["b"] == "1")

            let again = try await qctl("retry", runID, environment: cluster.environment)
            #expect(again.stdout.contains("nothing to retry"))
        }
    }
}
