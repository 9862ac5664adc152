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

    /// Optional fields are stored only when they differ from what an absent one means, so the
    /// common task's hash is shorter to scan and smaller; one that has them keeps them, and both
    /// kinds run, fail, release and retry alike.
    @Test func optionalFieldsAreStoredOnlyWhenTheyAreNotTheDefault() async throws {
        try await withQueue { q throws in
            let plain = TaskRecord(
                id: "plain", step: "plain", queue: "default", priority: 10, deps: 0, dependents: [], limits: [], refs: [],
                spec: Self.spec, maxAttempts: 1, continueOnError: false)
            let full = TaskRecord(
                id: "full", step: "full", queue: "default", priority: 10, deps: 0, dependents: ["after"], limits: ["run"],
                refs: ["plain"], spec: Self.spec, maxAttempts: 2, continueOnError: true, lostRetry: "fixed,0,0,0")
            let after = TaskRecord(
                id: "after", step: "after", queue: "default", priority: 10, deps: 1, dependents: [], limits: ["run"],
                refs: [], spec: Self.spec, maxAttempts: 1, continueOnError: false)
            try await q.submit("r1", [plain, full, after], limits: ["run": 10])
            let optional = ["run", "dependents", "limits", "refs", "continueOnError", "lostRetry"]
            func fields(_ id: String) async throws -> [String] {
                let key = q.queue.keys.task(TaskRef(runID: "r1", taskID: id))
                return try await q.redis.send("HKEYS", .string(key)).array?.compactMap(\.string) ?? []
            }
            #expect(try await fields("plain").filter(optional.contains).isEmpty)
            #expect(Set(try await fields("full").filter(optional.contains)) == ["dependents", "limits", "refs", "continueOnError", "lostRetry"])

            // `full` fails, but continues on error: its dependent is released all the same.
            let claimed = try await q.claim(2)
            #expect(Set(claimed.map(\.ref.taskID)) == ["plain", "full"])
            for task in claimed {
                if task.ref.taskID == "full" { try await q.fail(task) } else { try await q.succeed(task, output: "p") }
            }
            try await q.applyAll()
            let released = try #require(try await q.claim(1).first)
            #expect(released.ref.taskID == "after")
            try await q.succeed(released)
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    /// A task with none of the optional fields is marked `plain` = 1 in its hash's first field, so
    /// claim, complete and the release of a dependent look for none of them; any other task (0)
    /// is read in full, and so is a plain one once a cache miss gave it a `cache` field to act on.
    @Test func aTaskWithoutOptionalFieldsIsMarkedPlainAndRunsLikeAnyOther() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [
                task("a", before: ["b"], limits: []), task("b", after: ["a"], before: ["keyed"], limits: []),
                task("keyed", after: ["b"], limits: [], fields: ["concurrencyKey": "k"]), task("limited"),
            ], fields: ["retention": "600000"])
            func firstField(_ id: String) async throws -> [String] {
                let key = q.queue.keys.task(TaskRef(runID: "r1", taskID: id))
                return Array(try await q.redis.send("HGETALL", .string(key)).array?.compactMap(\.string).prefix(2) ?? [])
            }
            #expect(try await firstField("a") == ["plain", "1"])
            #expect(try await firstField("b") == ["plain", "1"])
            #expect(try await firstField("keyed") == ["plain", "0"])
            #expect(try await firstField("limited") == ["plain", "0"])

            let first = try await q.claimExactly(2)
            #expect(Set(first.map(\.ref.taskID)) == ["a", "limited"])
            for claimed in first { try await q.succeed(claimed) }

            // b misses the cache: the lookup leaves it a `cache` field and takes the mark away,
            // so its success is stored in the cache like any task's.
            let b = try #require(try await q.claim(1).first)
            let settings = TaskCacheSettings(key: "kb", partition: "namespace", ttlMilliseconds: 60_000)
            let lookup = try #require(CacheLookup(rendered: TaskSpec(runID: "r1", taskID: "b", stepID: "b", type: "echo", cache: settings), outputs: [:]))
            #expect(try await q.queue.completeFromCache(b, lookup: lookup, stepType: "echo", maxEntries: 10) == .miss)
            let bKey = q.queue.keys.task(TaskRef(runID: "r1", taskID: "b"))
            #expect(try await q.redis.send("HGET", .string(bKey), "plain").string == "0")
            #expect(try await q.succeed(b, output: "from b"))
            #expect(try await q.queue.cacheEntries([lookup.key]).first??.fields["output"] == "from b")

            // its plain-read release still finds the dependent's concurrency key (fair order)
            let keyed = try #require(try await q.claim(1).first)
            #expect(keyed.ref.taskID == "keyed")
            #expect(try await q.redis.send("EXISTS", .string(q.queue.keys.prefix + ":fair:k")).int == 1)
            try await q.succeed(keyed)
            #expect(try await q.runField("r1", "state") == "succeeded")
        }
    }

    @Test func theSpecsExpireWithTheRunAndARetryKeepsThem() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [record("a", maxAttempts: 1)])
            let specs = q.queue.keys.runSpecs("r1")
            try await q.fail(try #require(try await q.claim(1).first))
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            // The run's keys besides its hash get its expiry from expire_tasks, off the hot path.
            #expect(try await q.redis.send("PTTL", .string(specs)).int == -1)
            #expect(try await q.queue.expireTasks(fence: q.fence) == (1, false))
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
        // The id is put back by the claim: only the rendered value is stored.
        #expect(stored.hasPrefix("^"), "\(stored)")
        #expect(stored.utf8.count < 50, "\(stored)")
        // Nothing in common worth it: stored whole.
        #expect(SpecTemplates.difference(Array(#"{"a":1}"#.utf8), taskID: "x", from: Array(#"{"b":2}"#.utf8), templateID: "t") == nil)
        // The template's id text earlier in the spec (an env value): the id is left in the middle.
        let tricky = #"{"env":{"X":""taskID":"t""},"taskID":"t","with":{"k":"v1"},"run":["a long enough argument list"]}"#
        let sibling = tricky.replacingOccurrences(of: #""taskID":"t","#, with: #""taskID":"u","#)
            .replacingOccurrences(of: "v1", with: "v2")
        let difference = try #require(SpecTemplates.difference(
            Array(sibling.utf8), taskID: "u", from: Array(tricky.utf8), templateID: "t", margin: 0))
        #expect(difference.hasPrefix("^") || difference.hasPrefix("~"))
    }

    /// A DAG's one-task step (task id = step id) as the builder makes it: its ids differ from
    /// another's of the same `kind`; kinds differ at both ends of the spec (env and message).
    func oneTaskStep(_ id: String, kind: Int = 0) -> TaskRecord {
        let spec = Self.spec.replacingOccurrences(of: #""taskID":"a""#, with: #""taskID":"\#(id)""#)
            .replacingOccurrences(of: #""stepID":"a""#, with: #""stepID":"\#(id)""#)
            .replacingOccurrences(of: #""env":{}"#, with: #""env":{"KIND":"\#(kind)"}"#)
            .replacingOccurrences(of: #""message":"hello""#, with: #""message":"hello \#(kind)""#)
        return TaskRecord(
            id: id, step: id, queue: "default", priority: 10, deps: 0, dependents: [], limits: [], refs: [], spec: spec,
            maxAttempts: 1, continueOnError: false)
    }

    @Test func oneTaskStepsAreStoredAsDifferencesFromAFewSharedTemplates() throws {
        var templates = SpecTemplates()
        #expect(templates.storedSpec(of: oneTaskStep("s0")) == oneTaskStep("s0").spec)
        let stored = templates.storedSpec(of: oneTaskStep("s1"))
        // Only the step id is left to store: the claim puts the task id back.
        #expect(stored.hasPrefix("^"), "\(stored)")
        #expect(stored.utf8.count < 30, "\(stored)")
        #expect(SpecTemplates.templateID(of: stored) == "s0")
        #expect(SpecTemplates.expanded(stored, template: oneTaskStep("s0").spec, taskID: "s1") == oneTaskStep("s1").spec)
        // Each new kind is stored whole and becomes a template; past `maxSharedTemplates` the
        // one that served longest ago (kind 0's) gives way.
        for kind in 1...SpecTemplates.maxSharedTemplates {
            #expect(templates.storedSpec(of: oneTaskStep("k\(kind)", kind: kind)) == oneTaskStep("k\(kind)", kind: kind).spec)
        }
        #expect(templates.storedSpec(of: oneTaskStep("s2")) == oneTaskStep("s2").spec)
        #expect(SpecTemplates.templateID(of: templates.storedSpec(of: oneTaskStep("s3"))) == "s2")
        #expect(SpecTemplates.templateID(of: templates.storedSpec(of: oneTaskStep("x2", kind: 2))) == "k2")
        // A matrix sibling still takes the first task of its own step as its template.
        #expect(templates.storedSpec(of: sibling(0, step: "s0")) == sibling(0, step: "s0").spec)
        #expect(SpecTemplates.templateID(of: templates.storedSpec(of: sibling(1, step: "s0"))) == sibling(0, step: "s0").id)
    }

    @Test func aDifferenceExpandsToItsSpecByteForByteForRandomSiblings() {
        var random = SplitMix64(seed: 17)
        let alphabet = Array(#"abcXYZ09"\\:,{}[]ü "#)
        func text(_ count: Int) -> String { String((0..<count).map { _ in alphabet.randomElement(using: &random)! }) }
        var differences = 0
        for _ in 0..<500 {
            let templateID = "s[i=\(text(Int.random(in: 0...6, using: &random)))]"
            let taskID = Bool.random(using: &random) ? templateID : "s[i=\(text(Int.random(in: 0...6, using: &random)))]"
            let head = text(Int.random(in: 0...80, using: &random)), tail = text(Int.random(in: 0...200, using: &random))
            let template = #"{"env":{"A":""# + head + #""},"taskID":""# + templateID + #"","with":{"m":""# + text(5) + "\"}" + tail + "}"
            let spec = #"{"env":{"A":""# + head + #""},"taskID":""# + taskID + #"","with":{"m":""# + text(5) + "\"}" + tail + "}"
            guard let difference = SpecTemplates.difference(
                Array(spec.utf8), taskID: taskID, from: Array(template.utf8), templateID: templateID, margin: 0)
            else { continue }
            differences += 1
            #expect(SpecTemplates.expanded(difference, template: template, taskID: taskID) == spec, "\(difference)")
        }
        #expect(differences > 400)
        // No template (gone with its run): no spec, which the worker refuses; a whole spec or a
        // malformed head is handed on as it is.
        #expect(SpecTemplates.expanded("~3,2,1:tX", template: "", taskID: "u") == "")
        #expect(SpecTemplates.expanded(Self.spec, template: "", taskID: "u") == Self.spec)
        #expect(SpecTemplates.expanded("~3,x:t", template: "abcdef", taskID: "u") == "~3,x:t")
        #expect(SpecTemplates.expanded("~9,9,9:t", template: "abcdef", taskID: "u") == "~9,9,9:t")
        #expect(SpecTemplates.expanded("~9,9,1:tX", template: "abcdef", taskID: "u") == "abcdefX")
    }

    @Test func claimPutsEverySpecBackTogetherAcrossSlices() async throws {
        try await withQueue { q throws in
            // Ids that JSON escapes, a spec naming another sibling's id in a value, and one-task
            // steps of three kinds: stored so that the claim still gives each spec back byte for byte.
            var odd = sibling(3, step: "odd")
            odd = TaskRecord(id: #"odd["q\"uote"]"#, step: "odd", queue: "default", priority: 10, deps: 0, dependents: [],
                             limits: [], refs: [], spec: odd.spec.replacingOccurrences(of: #""taskID":"odd[region=r3,path=a/b]""#,
                                                                                       with: #""taskID":"odd[\"q\\\"uote\"]""#),
                             maxAttempts: 1, continueOnError: false)
            var naming = sibling(4, step: "odd")
            naming = TaskRecord(id: naming.id, step: "odd", queue: "default", priority: 10, deps: 0, dependents: [], limits: [],
                                refs: [], spec: naming.spec.replacingOccurrences(
                                    of: #""env":{}"#, with: #""env":{"X":"\"taskID\":\"odd[region=r3,path=a/b]\""}"#),
                                maxAttempts: 1, continueOnError: false)
            let siblings = (0..<25).map { sibling($0) } + (0..<5).map { sibling($0, step: "other") }
                + [sibling(3, step: "odd"), odd, naming, sibling(5, step: "odd")]
                + (0..<12).map { oneTaskStep("s\($0)", kind: $0 % 3) }
            // Slices of 7: each storing call has its own templates.
            _ = try await q.queue.submitRun(
                RunRecord(runID: "r1", fields: [:], limits: [:], tasks: siblings), fence: q.fence, slice: 7)
            let stored = try await q.redis.send("HGETALL", .string(q.queue.keys.runSpecs("r1"))).array ?? []
            #expect(stored.count == siblings.count * 2)
            #expect(stored.compactMap(\.string).filter { $0.hasPrefix("^") }.count >= 20)
            var claimed: [String: String] = [:]
            for task in try await q.claim(100) { claimed[task.ref.taskID] = task.spec }
            #expect(claimed.count == siblings.count)
            for task in siblings { #expect(claimed[task.id] == task.spec) }
        }
    }

    /// A claim reply carries each template once, in the first entry of its run that names it;
    /// later siblings come as bare differences, and two runs' templates of the same task id are
    /// told apart.
    @Test func aClaimReplyNamesEachTemplateOnce() async throws {
        try await withQueue { q throws in
            let first = (0..<6).map { sibling($0) }
            let second = (0..<6).map { index in
                let task = sibling(index)
                return TaskRecord(
                    id: task.id, step: task.step, queue: "default", priority: 10, deps: 0, dependents: [], limits: [], refs: [],
                    spec: task.spec.replacingOccurrences(of: #""runID":"r1""#, with: #""runID":"r2""#)
                        .replacingOccurrences(of: "hello", with: "bye"),
                    maxAttempts: 1, continueOnError: false)
            }
            _ = try await q.queue.submitRun(RunRecord(runID: "r1", fields: [:], limits: [:], tasks: first), fence: q.fence)
            _ = try await q.queue.submitRun(RunRecord(runID: "r2", fields: [:], limits: [:], tasks: second), fence: q.fence)
            let reply = try await q.redis.send(
                "EVAL", .string(try ScriptLibrary.bundled.get()[.claim].source), "0", "qt", "0", "10000", "w1", "30000", "100", "default")
            let entries = try #require(reply.array)
            #expect(entries.count == 12 * 9)
            let specEntries = stride(from: 3, to: entries.count, by: 9).map { entries[$0] }
            // Per run: the template task's own spec, one [difference, template], four differences.
            #expect(specEntries.filter { $0.array != nil }.count == 2, "one template per run")
            let texts = specEntries.compactMap(\.string)
            #expect(texts.filter { $0.hasPrefix("{") }.count == 2)
            #expect(texts.filter { $0.hasPrefix("^") || $0.hasPrefix("~") }.count == 8)
            var claimed: [String: String] = [:]
            for task in try QueueClient.claimedTasks(reply) { claimed[task.ref.description] = task.spec }
            #expect(claimed.count == 12)
            for task in first { #expect(claimed["r1/\(task.id)"] == task.spec) }
            for task in second { #expect(claimed["r2/\(task.id)"] == task.spec) }
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
