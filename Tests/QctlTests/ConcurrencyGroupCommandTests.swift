import Foundation
import QrewQueue
import Testing

/// `concurrencyGroup` with `cancelInProgress` through `qctl submit` and a real coordinator: the
/// second run of the group cancels the first, which ends `canceled` with the reason.
@Suite("qctl concurrency groups")
struct ConcurrencyGroupCommandTests {
    static let workflow = """
        name: deploy
        concurrencyGroup: deploy-prod
        cancelInProgress: true
        steps:
          - id: a
            type: echo
            with: { message: hi }
        """

    @Test func aNewRunOfTheGroupCancelsTheUnfinishedOne() async throws {
        try await withCluster { cluster in
            let file = try temporaryFile("deploy.yaml", Self.workflow)
            let first = try await qctl("submit", file, "--run-id", "deploy-1", environment: cluster.environment)
            #expect(first.status == 0, "\(first.stderr)")
            let second = try await qctl("submit", file, "--run-id", "deploy-2", environment: cluster.environment)
            #expect(second.status == 0, "\(second.stderr)")
            let canceled = try await cluster.waitForRun("deploy-1", timeout: .seconds(20)) { $0.fields["state"] == "canceled" }
            #expect(canceled.fields["cancelReason"]?.contains("concurrency group deploy-prod") == true, "\(canceled.fields)")
            try await cluster.work("deploy-2")
            #expect(try await cluster.queue.runFields("deploy-2")?["state"] == "succeeded")
        }
    }
}
