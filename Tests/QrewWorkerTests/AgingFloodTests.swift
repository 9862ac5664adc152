import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Synchronization
import Testing
@testable import QrewWorker

/// Starvation freedom under a flood: one worker (one slot) and a steady stream of
/// higher-priority tasks; a low-priority task still starts within the documented bound
/// (docs/workflow-reference.md *Priority*): it is passed only by flood tasks queued less than
/// (P − p) · 10 s after it. The submitter's clock is moved by hand (10 s per batch of 10), so
/// minutes of queueing take a second of real time; the worker runs for real.
@Suite("aging under a flood", .serialized)
struct AgingFloodTests {
    static let lowPriority = 10
    static let floodPriority = 20
    /// (P − p) · 10 s: the latest queue time, after the low task's, of a flood task that may pass it.
    static let bound = Duration.seconds((floodPriority - lowPriority) * 10)

    @Test func aLowPriorityTaskStartsWithinTheBoundWhileHigherPriorityWorkKeepsComing() async throws {
        try await withWorkerFixture { fixture in
            let clock = Mutex(0)
            let submitter = QueueClient(
                redis: fixture.redis, keys: fixture.keys, scripts: try ScriptLibrary.bundled.get(),
                clockOffset: { clock.withLock { $0 } })
            func napping(_ run: String, _ id: String, priority: Int) throws -> TaskRecord {
                try taskRecord(run, id, type: "sleep", with: ["duration": "15ms"], priority: priority)
            }
            func submit(_ run: String, _ tasks: [TaskRecord]) async throws {
                _ = try await submitter.submitRun(RunRecord(runID: run, fields: ["name": run], limits: [:], tasks: tasks), fence: fixture.fence)
            }
            var batches = 0
            // Flood tasks come in batches of 10, each batch queued 10 s (scripts' clock) after the last.
            func floodBatch() async throws {
                if batches > 0 { clock.withLock { $0 += 10_000 } }
                let run = "flood\(batches)"
                try await submit(run, try (0..<10).map { try napping(run, "h\($0)", priority: Self.floodPriority) })
                batches += 1
            }
            // A backlog of flood work first, the low-priority task behind its first batch.
            try await floodBatch()
            try await submit("low", [try napping("low", "l", priority: Self.lowPriority)])
            for _ in 0..<3 { try await floodBatch() }
            let worker = try fixture.worker(concurrency: 1)
            try await running(worker) {
                // Keep at least 30 flood tasks ready (about half a second of work, so the flood never
                // runs dry on a loaded machine) until the low task starts (or far past the bound:
                // starvation).
                while try await fixture.field("low", "l", "startedAt") == nil, batches < 60 {
                    let ready = try await fixture.redis.send("ZCARD", .string(fixture.keys.ready(queue: "default"))).int ?? 0
                    if ready < 30 {
                        try await floodBatch()
                    } else {
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
                try await fixture.expect("low", "l", state: "succeeded")
            }
            let lowQueued = try #require(Int(try await fixture.field("low", "l", "queuedAt") ?? ""))
            let lowStarted = try #require(Int(try await fixture.field("low", "l", "startedAt") ?? ""))
            var passedBy = 0
            for batch in 0..<batches {
                for index in 0..<10 {
                    let run = "flood\(batch)", id = "h\(index)"
                    guard let started = Int(try await fixture.field(run, id, "startedAt") ?? ""), started < lowStarted else { continue }
                    let queued = try #require(Int(try await fixture.field(run, id, "queuedAt") ?? ""))
                    #expect(queued - lowQueued < Self.bound.components.seconds * 1000,
                            "\(run)/\(id), queued \(queued - lowQueued) ms after the low task, started before it")
                    passedBy += 1
                }
            }
            // The flood did outrank it for a while (ten batches of 10 s fit in the bound: 100 tasks when
            // the backlog never ran dry) …
            #expect(passedBy >= 50, "only \(passedBy) flood tasks started before the low one")
            // … and it started long before the flood ended.
            #expect(batches < 60, "the low task starved: \(batches) batches")
        }
    }
}
