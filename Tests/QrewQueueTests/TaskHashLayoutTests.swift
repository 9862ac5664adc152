import QrewCore
@testable import QrewQueue
import QrewRedis
import Testing

/// The task hash keeps to a compact listpack (docs/protocol.md, *Task fields*): the spec lives in
/// the run's `<run>:specs`, which expires and comes back with the run.
@Suite("task hash layout")
struct TaskHashLayoutTests {
    /// A realistic spec: longer than the 64 bytes a listpack value may hold.
    static let spec = #"{"env":{},"outputRefs":{},"retry":{"backoff":"exponential","cap":[60,0],"initial":[1,0],"jitter":true,"maxRetries":0,"retryOn":["error","lost","timeout"]},"run":[],"runID":"r1","shell":false,"stepID":"a","taskID":"a","type":"echo","with":{"message":"hello"}}"#

    func record(_ id: String, after: [String] = [], before: [String] = [], maxAttempts: Int = 2) -> TaskRecord {
        TaskRecord(
            id: id, step: id, queue: "default", priority: 10, deps: after.count, dependents: before, limits: ["run"],
            refs: [], spec: Self.spec.replacingOccurrences(of: #""taskID":"a""#, with: #""taskID":"\#(id)""#),
            maxAttempts: maxAttempts, continueOnError: false, lostRetry: "fixed,0,0,0", fields: ["sig": "k1:" + String(repeating: "A", count: 44)])
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
            try await q.submit("r1", [record("a", maxAttempts: 1)])
            let specs = q.queue.keys.runSpecs("r1")
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
            #expect(again.spec == record("a", maxAttempts: 1).spec)
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

    /// Matrix siblings as the builder makes them: the task id and a rendered value differ.
    func sibling(_ index: Int, step: String = "deploy") -> TaskRecord {
        let id = "\(step)[region=r\(index),path=a/b]"
        let spec = Self.spec.replacingOccurrences(of: #""taskID":"a""#, with: #""taskID":"\#(id)""#)
            .replacingOccurrences(of: #""message":"hello""#, with: #""message":"hello \#(index) ü""#)
            .replacingOccurrences(of: #""stepID":"a""#, with: #""stepID":"\#(step)""#)
        return TaskRecord(
            id: id, step: step, queue: "default", priority: 10, deps: 0, dependents: [], limits: [], refs: [], spec: spec,
            maxAttempts: 1, continueOnError: false)
    }

    @Test func aSiblingIsStoredAsADifferenceFromTheFirstTaskOfItsStepInTheCall() throws {
        var templates = SpecTemplates()
        let first = sibling(0), second = sibling(1), other = sibling(0, step: "other")
        #expect(templates.storedSpec(of: first) == first.spec)
        #expect(templates.storedSpec(of: other) == other.spec)
        let stored = templates.storedSpec(of: second)
        #expect(stored.hasPrefix("~"))
        // The id and the rendered value differ, and what lies between them.
        #expect(stored.utf8.count < second.spec.utf8.count / 2, "\(stored)")
        // Nothing in common worth it: stored whole.
        #expect(SpecTemplates.difference(#"{"a":1}"#, from: #"{"b":2}"#, templateID: "t") == nil)
    }

    @Test func claimPutsEverySiblingsSpecBackTogetherAcrossSlices() async throws {
        try await withQueue { q throws in
            let siblings = (0..<25).map { sibling($0) } + (0..<5).map { sibling($0, step: "other") }
            // Slices of 7: each storing call has its own templates.
            _ = try await q.queue.submitRun(
                RunRecord(runID: "r1", fields: [:], limits: [:], tasks: siblings), fence: q.fence, slice: 7)
            let stored = try await q.redis.send("HGETALL", .string(q.queue.keys.runSpecs("r1"))).array ?? []
            #expect(stored.count == siblings.count * 2)
            #expect(stored.compactMap(\.string).filter { $0.hasPrefix("~") }.count >= 20)
            var claimed: [String: String] = [:]
            for task in try await q.claim(100) { claimed[task.ref.taskID] = task.spec }
            #expect(claimed.count == siblings.count)
            for task in siblings { #expect(claimed[task.id] == task.spec) }
        }
    }

    @Test func aSignedSiblingVerifiesAgainstTheSpecClaimRebuilt() async throws {
        try await withQueue { q throws in
            let signer = TaskSigner(keyring: try SigningKeyring(parsing: try SigningKey.newKeyLine(id: "k1"), source: "test"),
                                    namespace: "qt")
            let record = RunRecord(runID: "r1", fields: [:], limits: [:], tasks: (0..<4).map { sibling($0) }).signed(by: signer)
            _ = try await q.queue.submitRun(record, fence: q.fence)
            let claimed = try await q.claim(10)
            #expect(claimed.count == 4)
            for task in claimed { try task.verifySignature(with: signer) }
        }
    }
}
