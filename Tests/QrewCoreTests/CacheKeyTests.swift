import Testing
@testable import QrewCore

/// What the cache key covers, and its form (SHA-256 from swift-crypto, as hex).
struct CacheKeyTests {
    @Test func keysAreLowercaseHexSHA256() {
        #expect(CacheLookup.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(CacheLookup.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    private func spec(
        run: [String] = ["echo", "hi"], runID: String = "r1", partition: String = "workflow:w", key: String? = nil,
        refs: [String: [String]] = [:]
    ) -> TaskSpec {
        TaskSpec(runID: runID, taskID: "t", stepID: "s", type: "shell", run: run, outputRefs: refs,
                 cache: TaskCacheSettings(key: key, partition: partition, ttlMilliseconds: 1000))
    }

    private func key(_ spec: TaskSpec, _ outputs: [String: String] = [:]) -> String? {
        CacheLookup(rendered: spec, outputs: outputs)?.key
    }

    @Test func theDefaultKeyCoversTheWorkAndTheOutputsReadButNotTheRun() throws {
        let base = try #require(key(spec()))
        #expect(base.count == 64)
        #expect(key(spec(runID: "r2")) == base, "another run of the same work hits")
        #expect(key(spec(run: ["echo", "ho"])) != base)
        #expect(key(spec(partition: "namespace")) != base, "scopes never share entries")
        let reading = spec(refs: ["a": ["a"]])
        #expect(key(reading, ["a": "1"]) != key(reading, ["a": "2"]))
        #expect(CacheLookup(rendered: TaskSpec(runID: "r", taskID: "t", stepID: "s", type: "echo"), outputs: [:]) == nil)
    }

    @Test func anExplicitKeyReplacesTheSpec() {
        #expect(key(spec(run: ["a"], key: "v1")) == key(spec(run: ["b"], key: "v1")))
        #expect(key(spec(key: "v1")) != key(spec(key: "v2")))
        #expect(key(spec(partition: "run:r1", key: "v1")) != key(spec(partition: "run:r2", key: "v1")))
    }
}
