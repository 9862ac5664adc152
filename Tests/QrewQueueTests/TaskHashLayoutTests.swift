import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// The task hash keeps to a compact listpack (docs/protocol.md, *Task fields*): the spec lives in
/// the run's `<run>:specs`, which expires and comes back with the run.
@Suite("task hash layout")
struct TaskHashLayoutTests {
    /// A realistic spec: longer than the 64 bytes a listpack value may hold.
    static let spec = #"{"env":{},"outputRefs":{},"retry":{"backoff":"exponential","cap":[60,0],"initial":[1,0],"jitter":true,"maxRetries":0,"retryOn":["error","lost","timeout"]},"run":[],"runID":"r1","shell":false,"stepID":"a","taskID":"a","type":"echo","with":{"message":"hello"}}"#

    func record(_ id: String, after: [String] = [], before: [String] = []) -> TaskRecord {
        TaskRecord(
            id: id, step: id, queue: "default", priority: 10, deps: after.count, dependents: before, limits: ["run"],
            refs: [], spec: Self.spec.replacingOccurrences(of: #""taskID":"a""#, with: #""taskID":"\#(id)""#),
            maxAttempts: 2, continueOnError: false, lostRetry: "fixed,0,0,0", fields: ["sig": "k1:" + String(repeating: "A", count: 44)])
    }

    func encoding(_ q: QueueFixture, _ key: String) async throws -> String? {
        try await q.redis.send("OBJECT", "ENCODING", .string(key)).string
    }

    @Test func specsLiveInTheRunsSpecsHashAndTaskHashesStayListpacks() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [record("a", before: ["b"]), record("b", after: ["a"])])
            let a = q.queue.keys.task(TaskRef(runID: "r1", taskID: "a"))
            #expect(try await q.redis.send("HEXISTS", .string(a), "spec").int == 0)
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.runSpecs("r1")), "a").string == record("a").spec)
            #expect(try await encoding(q, a) == "listpack")

            let first = try #require(try await q.claim(1).first)
            #expect(first.spec == record("a").spec)
            #expect(first.signature == record("a").fields["sig"])
            try await q.succeed(first, output: "done")
            try await q.applyAll()
            let second = try #require(try await q.claim(1).first)
            #expect(second.spec == record("b").spec)
            try await q.succeed(second)
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
            for id in ["a", "b"] {
                #expect(try await encoding(q, q.queue.keys.task(TaskRef(runID: "r1", taskID: id))) == "listpack")
            }
        }
    }

    @Test func theSpecsExpireWithTheRunAndARetryKeepsThem() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [record("a")])
            let specs = q.queue.keys.runSpecs("r1")
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.redis.send("PTTL", .string(specs)).int ?? -1 > 0)

            guard case .retried = try await q.queue.retryRun("r1", fresh: false) else {
                Issue.record("expected a retry")
                return
            }
            #expect(try await q.redis.send("PTTL", .string(specs)).int == -1)
            let again = try #require(try await q.claim(1).first)
            #expect(again.spec == record("a").spec)
        }
    }

    @Test func aTaskStoredWithItsSpecInItsHashIsStillClaimedWithIt() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [record("a")])
            let a = q.queue.keys.task(TaskRef(runID: "r1", taskID: "a"))
            // As an older coordinator stored it: the spec in the task hash, no <run>:specs entry.
            _ = try await q.redis.send("HSET", .string(a), "spec", #"{"type":"echo","legacy":true}"#)
            _ = try await q.redis.send("DEL", .string(q.queue.keys.runSpecs("r1")))
            let claimed = try #require(try await q.claim(1).first)
            #expect(claimed.spec == #"{"type":"echo","legacy":true}"#)
        }
    }
}
