import Crypto

/// The result-cache identity of one rendered task: its key and, with `similar`, the similarity
/// space and signature. Pure, so every worker computes the same key for the same work.
public struct CacheLookup: Sendable, Hashable {
    /// 64 hex digits: SHA-256 of the scope's partition and either the rendered `key` or the
    /// rendered spec plus the outputs it reads.
    public let key: String
    /// Similarity matches are looked for only among entries of this space (the partition and the
    /// step type), 16 hex digits; nil without `similar` or when the text has no words.
    public let similaritySpace: String?
    /// MinHash signature of the rendered `similar` text.
    public let signature: MinHashSignature?
    /// Estimated Jaccard similarity a match needs.
    public let threshold: Double
    /// How long a stored entry stays valid, in milliseconds.
    public let ttlMilliseconds: Int

    /// The identity of `spec`, already rendered with `outputs` (task id → output), which must
    /// carry `cache` settings; nil when it does not.
    ///
    /// The default key covers what decides a task's result: type, argv, shell flag, environment,
    /// working directory, HTTP request and `with` arguments, plus every output the spec reads
    /// (by step, in `outputRefs` order). Run, task and step ids, retries and the timeout are left
    /// out, so the same work in another run or step hits.
    public init?(rendered spec: TaskSpec, outputs: [String: String]) {
        guard let cache = spec.cache else { return nil }
        var material = "qrew-cache-v1\npartition=\(cache.partition)\n"
        if let key = cache.key {
            material += "key=\(key)"
        } else {
            var work = TaskSpec(
                runID: "", taskID: "", stepID: "", type: spec.type, run: spec.run, shell: spec.shell, env: spec.env,
                cwd: spec.cwd, http: spec.http, with: spec.with)
            work.retry = .default
            material += "spec=\(work.jsonText)\n"
            for step in spec.outputRefs.keys.sorted() {
                let tasks = spec.outputRefs[step] ?? []
                let output = tasks.map { outputs[$0] ?? "" }.joined(separator: "\n")
                material += "output \(step.utf8.count):\(step)=\(output.utf8.count):\(output)\n"
            }
        }
        key = Self.sha256Hex(material)
        if let similar = cache.similar, let signature = MinHashSignature(text: similar) {
            self.signature = signature
            similaritySpace = String(Self.sha256Hex("\(cache.partition)\ntype=\(spec.type)").prefix(16))
        } else {
            signature = nil
            similaritySpace = nil
        }
        threshold = cache.threshold ?? CacheSpec.defaultThreshold
        ttlMilliseconds = cache.ttlMilliseconds
    }

    /// SHA-256 of the text's UTF-8 bytes, as 64 lowercase hex digits.
    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
