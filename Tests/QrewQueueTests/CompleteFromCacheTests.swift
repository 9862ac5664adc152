import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// `complete_from_cache` and the storing half in `complete` (lib/cache), on a real redis-server.
@Suite("complete_from_cache")
struct CompleteFromCacheTests {
    /// The lookup of a task whose rendered spec caches under `key` (or, with `similar`, by text).
    private func lookup(
        key: String? = "k", ttl: Int = 60_000, similar: String? = nil, threshold: Double? = nil, type: String = "echo"
    ) throws -> CacheLookup {
        let settings = TaskCacheSettings(
            key: key, partition: "namespace", ttlMilliseconds: ttl, similar: similar,
            threshold: similar == nil ? nil : threshold ?? 0.85)
        let spec = TaskSpec(runID: "r", taskID: "t", stepID: "s", type: type, cache: settings)
        return try #require(CacheLookup(rendered: spec, outputs: [:]))
    }

    private func look(
        _ q: QueueFixture, _ task: ClaimedTask, _ lookup: CacheLookup, maxEntries: Int = 100
    ) async throws -> CacheLookupResult {
        try await q.queue.completeFromCache(task, lookup: lookup, stepType: "echo", maxEntries: maxEntries)
    }

    private func taskField(_ q: QueueFixture, _ run: String, _ task: String, _ field: String) async throws -> String? {
        try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: run, taskID: task))), .string(field)).string
    }

    /// Runs task `a` of a new run `run` through a miss and a success with `output`.
    private func store(_ q: QueueFixture, run: String, _ lookup: CacheLookup, output: String, maxEntries: Int = 100) async throws {
        try await q.submit(run, [task("a")], fields: ["retention": "600000"])
        let a = try #require(try await q.claim(1).first)
        #expect(try await look(q, a, lookup, maxEntries: maxEntries) == .miss)
        #expect(try await q.succeed(a, output: output))
    }

    @Test func aMissRunsAndStoresThenTheNextRunHits() async throws {
        try await withQueue { q throws in
            let k = try lookup()
            try await store(q, run: "r1", k, output: "hello")
            let entry = try #require(try await q.queue.cacheEntries([k.key]).first ?? nil)
            #expect(entry.fields["output"] == "hello")
            #expect(entry.fields["run"] == "r1")
            #expect(entry.millisecondsLeft.map { $0 > 50_000 && $0 <= 60_000 } == true)

            try await q.submit("r2", [task("a")], fields: ["retention": "600000"])
            let a = try #require(try await q.claim(1).first)
            #expect(try await look(q, a, k) == .hit(key: k.key, score: nil, source: "r1/a"))
            #expect(try await q.state("r2", "a") == "succeeded")
            #expect(try await taskField(q, "r2", "a", "cached") == "1")
            #expect(try await taskField(q, "r2", "a", "output") == "hello")
            #expect(try await q.runField("r2", "state") == "succeeded")
            #expect(try await q.runField("r2", "cacheHits") == "1")
            #expect(try await q.redis.send("ZCARD", .string(q.queue.keys.leases)).int == 0)
            #expect(try await q.succeed(a) == false, "the lease ended with the cached result")

            let events = try await q.queue.runEvents("r2")
            let finished = try #require(events.first { $0.fields["type"] == "task_finished" })
            #expect(finished.fields["cached"] == "true")
            #expect(finished.fields["state"] == "succeeded")
            #expect(Int(finished.fields["ts"] ?? "").map { $0 > 1_700_000_000_000 } == true)
            let stats = try await q.queue.cacheStatistics()
            #expect(stats.counters["hits"] == 1 && stats.counters["misses"] == 1 && stats.counters["stores"] == 1)
            #expect(stats.entries == 1)
        }
    }

    @Test func failuresAreNeverCached() async throws {
        try await withQueue { q throws in
            let k = try lookup()
            try await q.submit("r1", [task("a")], fields: ["retention": "600000"])
            let a = try #require(try await q.claim(1).first)
            #expect(try await look(q, a, k) == .miss)
            #expect(try await q.fail(a))
            #expect(try await q.queue.cacheEntries([k.key]) == [nil])

            try await q.submit("r2", [task("a")], fields: ["retention": "600000"])
            let again = try #require(try await q.claim(1).first)
            #expect(try await look(q, again, k) == .miss)
            _ = try await q.queue.complete(again, outcome: .timedOut, exitCode: nil, output: "partial", error: "timed out", retryDelay: nil)
            #expect(try await q.queue.cacheStatistics().entries == 0)
        }
    }

    @Test func anExpiredEntryMisses() async throws {
        try await withQueue { q throws in
            let k = try lookup(ttl: 200)
            try await store(q, run: "r1", k, output: "soon gone")
            let deadline = ContinuousClock.now + .seconds(10)
            while try await q.redis.send("EXISTS", .string(q.queue.keys.cacheEntry(k.key))).int == 1, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            try await q.submit("r2", [task("a")], fields: ["retention": "600000"])
            let a = try #require(try await q.claim(1).first)
            #expect(try await look(q, a, k) == .miss)
            #expect(try await q.state("r2", "a") == "running")
        }
    }

    @Test func theSizeBoundEvictsTheEntriesClosestToExpiry() async throws {
        try await withQueue { q throws in
            let keys = try ["k1", "k2", "k3"].map { try lookup(key: $0) }
            for (index, k) in keys.enumerated() {
                try await store(q, run: "r\(index)", k, output: "out \(index)", maxEntries: 2)
                q.clock.advance(by: .seconds(1))
            }
            let entries = try await q.queue.cacheEntries([keys[0].key, keys[1].key, keys[2].key])
            #expect(entries.map { $0?.fields["output"] } == [nil, "out 1", "out 2"])
            let stats = try await q.queue.cacheStatistics()
            #expect(stats.entries == 2)
            #expect(stats.counters["evictions"] == 1)
        }
    }

    @Test func aStaleTokenIsRefused() async throws {
        try await withQueue { q throws in
            let k = try lookup()
            try await store(q, run: "r1", k, output: "hello")
            try await q.submit("r2", [task("a")], fields: ["retention": "600000"])
            let a = try #require(try await q.claim(1).first)
            let forged = ClaimedTask(ref: a.ref, token: "999999", attempt: 1, spec: a.spec, outputs: [:])
            #expect(try await look(q, forged, k) == .stale)
            #expect(try await q.state("r2", "a") == "running")
            #expect(try await look(q, a, k) == .hit(key: k.key, score: nil, source: "r1/a"))
        }
    }

    @Test func dependentsGetTheCachedOutput() async throws {
        try await withQueue { q throws in
            let k = try lookup()
            try await store(q, run: "r1", k, output: "from the cache")
            try await q.submit(
                "r2", [task("a", before: ["b"]), task("b", after: ["a"], refs: ["a"])], fields: ["retention": "600000"])
            let a = try #require(try await q.claim(1).first)
            #expect(try await look(q, a, k) == .hit(key: k.key, score: nil, source: "r1/a"))
            let b = try #require(try await q.claim(1).first)
            #expect(b.ref.taskID == "b")
            #expect(b.outputs == ["a": "from the cache"])
        }
    }

    @Test func aNearDuplicateTextReusesAndADissimilarOneDoesNot() async throws {
        try await withQueue { q throws in
            let text = "Summarize the quarterly sales report for the north region and list the three largest accounts by revenue"
            let original = try lookup(key: "original", similar: text)
            try await store(q, run: "r1", original, output: "summary")

            let near = try lookup(key: "near", similar: text + " please")
            try await q.submit("r2", [task("a")], fields: ["retention": "600000"])
            let a = try #require(try await q.claim(1).first)
            guard case .hit(let key, let score?, let source) = try await look(q, a, near) else {
                Issue.record("expected a similarity hit")
                return
            }
            #expect(key == original.key)
            #expect(source == "r1/a")
            #expect((Double(score) ?? 0) >= 0.85)
            #expect(try await taskField(q, "r2", "a", "cacheMatch") == original.key)
            #expect(try await taskField(q, "r2", "a", "cacheScore") == score)
            #expect(try await taskField(q, "r2", "a", "output") == "summary")

            let other = try lookup(key: "other", similar: "Translate the onboarding guide into German and French for the new office")
            try await q.submit("r3", [task("a")], fields: ["retention": "600000"])
            let b = try #require(try await q.claim(1).first)
            #expect(try await look(q, b, other) == .miss)
            #expect(try await q.queue.cacheStatistics().counters["similarHits"] == 1)
        }
    }

    @Test func aRetriedRunForgetsThatItsTaskCameFromTheCache() async throws {
        try await withQueue { q throws in
            let k = try lookup()
            try await store(q, run: "r1", k, output: "hello")
            try await q.submit("r2", [task("a")], fields: ["retention": "600000"])
            let a = try #require(try await q.claim(1).first)
            #expect(try await look(q, a, k) == .hit(key: k.key, score: nil, source: "r1/a"))
            guard case .retried = try await q.queue.retryRun("r2", fresh: true) else {
                Issue.record("expected a retry")
                return
            }
            #expect(try await q.state("r2", "a") == "ready")
            for field in ["cached", "cacheKey", "cacheSource", "output"] {
                #expect(try await taskField(q, "r2", "a", field) == nil, "\(field)")
            }
        }
    }

    @Test func purgeDeletesByKeyStepOrAll() async throws {
        try await withQueue { q throws in
            let keys = try ["k1", "k2", "k3"].map { (name: String) in try lookup(key: name, similar: "some words to match \(name)") }
            for (index, k) in keys.enumerated() { try await store(q, run: "r\(index)", k, output: "o") }
            #expect(try await q.queue.purgeCache(.key(keys[0].key)) == 1)
            #expect(try await q.queue.purgeCache(.key(keys[0].key)) == 0)
            #expect(try await q.queue.purgeCache(.step("nope")) == 0)
            #expect(try await q.queue.purgeCache(.step("a")) == 2)
            #expect(try await q.queue.cacheStatistics().entries == 0)
            try await store(q, run: "r9", keys[1], output: "o")
            #expect(try await q.queue.purgeCache(.all) == 1)
            let buckets = try await q.redis.send("KEYS", .string("\(q.queue.keys.prefix):cache:*")).array ?? []
            #expect(buckets.compactMap(\.string).allSatisfy { $0.hasSuffix(":stats") }, "\(buckets.compactMap(\.string))")
        }
    }
}
