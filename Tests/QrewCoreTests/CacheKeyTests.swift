import Testing
@testable import QrewCore

/// SHA-256 against the FIPS 180-4 examples, and what the cache key covers.
struct CacheKeyTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesTheStandardsExamples(_ message: String, _ digest: String) {
        #expect(SHA256.hexDigest(message.utf8) == digest)
    }

    @Test func sha256OfAMillionAs() {
        #expect(SHA256.hexDigest([UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
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
