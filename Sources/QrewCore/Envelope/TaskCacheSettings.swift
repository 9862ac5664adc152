/// The `cache` member of a task spec: what the worker needs to look a task up in the result
/// cache and to store its result. Absent for tasks that do not cache, so they decode nothing more.
///
/// It rides in the spec rather than in the task hash because the worker renders `key` and
/// `similar` with the same outputs as the rest of the spec, and `claim` returns the spec only.
public struct TaskCacheSettings: Sendable, Hashable, Codable {
    /// Key template (`${{ steps.X.output }}` and `${{ run.id }}` left for the worker); nil
    /// derives the key from the rendered spec and the outputs it reads.
    public var key: String?
    /// Which runs share entries, as a string that is part of every key: `workflow:<name>`,
    /// `namespace` or `run:<run id>` (see `CacheSpec.Scope`).
    public var partition: String
    /// How long a stored entry stays valid, in milliseconds.
    public var ttlMilliseconds: Int
    /// Text template for similarity reuse; nil for exact keys only.
    public var similar: String?
    /// The least estimated Jaccard similarity of a match (with `similar`).
    public var threshold: Double?

    public init(key: String?, partition: String, ttlMilliseconds: Int, similar: String? = nil, threshold: Double? = nil) {
        self.key = key
        self.partition = partition
        self.ttlMilliseconds = ttlMilliseconds
        self.similar = similar
        self.threshold = threshold
    }

    /// The settings of a task with `cache`, for the run `runID` of workflow `workflowName`.
    public init(_ cache: CacheSpec, workflowName: String, runID: String) {
        let partition = switch cache.scope ?? .workflow {
        case .workflow: "workflow:\(workflowName)"
        case .namespace: "namespace"
        case .run: "run:\(runID)"
        }
        let ttl = NumericBounds.clamp(cache.ttl ?? CacheSpec.defaultTTL)
        self.init(
            key: cache.key, partition: partition, ttlMilliseconds: max(1, Int(ttl / .milliseconds(1))),
            similar: cache.similar, threshold: cache.similar == nil ? nil : cache.threshold ?? CacheSpec.defaultThreshold)
    }
}

extension TaskCacheSettings {
    /// Writes the settings as a JSON object (keys sorted, absent optionals left out).
    func write(to w: inout JSONWriter) {
        w.open("{")
        if let key { w.key("key"); w.string(key) }
        w.key("partition"); w.string(partition)
        if let similar { w.key("similar"); w.string(similar) }
        if let threshold { w.key("threshold"); w.raw(String(threshold)) }
        w.key("ttlMilliseconds"); w.integer(ttlMilliseconds)
        w.close("}")
    }

    init(specJSON value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) {
        let cache = try SpecObject(value, path)
        self.init(
            key: try cache.optional("key", SpecValue.string),
            partition: try cache.required("partition", SpecValue.string),
            ttlMilliseconds: try cache.required("ttlMilliseconds", SpecValue.int),
            similar: try cache.optional("similar", SpecValue.string),
            threshold: try cache.optional("threshold", Self.fraction))
    }

    private static func fraction(_ value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) -> Double {
        guard case .number(let text) = value, let number = Double(text) else {
            throw .invalidField(path(), expected: "a number", got: SpecValue.describe(value))
        }
        return number
    }
}
