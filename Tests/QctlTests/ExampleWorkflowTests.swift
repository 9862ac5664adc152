import Foundation
import QrewQueue
import QrewTestSupport
import Testing

/// The workflows in `examples/` are what a newcomer runs first: each validates, and the
/// execution-control example runs with `qctl dev` and keeps its promises (a rate limit, a
/// concurrency limit per customer, a cached step on the second run).
@Suite("examples", .serialized)
struct ExampleWorkflowTests {
    static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("examples").path

    @Test func everyExampleValidates() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 5)
        for file in files {
            let result = try await qctl("validate", Self.examples + "/" + file)
            #expect(result.status == 0, "\(file): \(result.stdout)\(result.stderr)")
        }
    }

    @Test func theRateLimitedSyncRunsWithQctlDevWithinItsLimitsAndCachesItsListing() async throws {
        try await withCluster(coordinator: false) { cluster in
            let installed = try DevCommandTests.installation(withWorker: true)
            var runIDs: [String] = []
            for _ in 0..<2 {
                let dev = try QctlProcess(
                    ["dev", Self.examples + "/rate-limited-sync.yaml", "--workers", "2"], environment: cluster.environment,
                    executable: installed)
                let result = await dev.wait(timeout: .seconds(90))
                #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
                let runID = try #require(result.stdout.firstMatch(of: /run (rate-limited-sync-\S+) succeeded/)?.output.1)
                runIDs.append(String(runID))
            }
            var fetches: [(customer: String, start: Int, end: Int)] = []
            for runID in runIDs {
                let snapshot = try await cluster.waitForRun(runID)
                #expect(snapshot.state == "succeeded")
                for task in snapshot.tasks where task["step"] == "fetch" {
                    let id = task["id"] ?? ""
                    let customer = try #require(id.firstMatch(of: /customer=(\w+)/)?.output.1)
                    let start = try #require(task["startedAt"].flatMap { Int($0) })
                    let end = try #require(task["finishedAt"].flatMap { Int($0) })
                    fetches.append((String(customer), start, end))
                }
            }
            #expect(fetches.count == 48)
            // rateLimit 10 per 1 s: no window of a second holds more than 10 starts.
            let starts = fetches.map(\.start).sorted()
            let busiest = starts.indices.map { i in starts[i...].prefix { $0 < starts[i] + 1000 }.count }.max() ?? 0
            #expect(busiest <= 10, "\(busiest) starts in one second")
            // concurrency 2 per customer: at no start are more than 2 of its fetches running.
            for (customer, start, _) in fetches {
                let running = fetches.filter { $0.customer == customer && $0.start <= start && start < $0.end }.count
                #expect(running <= 2, "\(running) fetches of \(customer) at \(start)")
            }
            // The second run reused the first one's page listing.
            let status = try await qctl("status", runIDs[1], "--json", environment: cluster.environment)
            #expect(status.status == 0)
            #expect(status.stdout.contains(#""cached" : true"#) || status.stdout.contains(#""cached":true"#), "\(status.stdout)")
        }
    }
}
