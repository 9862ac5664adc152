extension TaskSpec {
    /// Reads a spec from the JSON that `jsonText` writes, or that `JSONEncoder` writes for the
    /// synthesized `Codable` conformance (any key order, escaped slashes), without Foundation:
    /// `JSONDecoder` cost the worker about a third of its CPU.
    ///
    /// It accepts what `JSONDecoder().decode(TaskSpec.self, …)` accepts, so the two never
    /// disagree on whether an envelope is valid: every non-optional field is required (as the
    /// synthesized `init(from:)` requires them, defaults in `init` notwithstanding); an optional
    /// may be absent or `null`; unknown keys are ignored, so a newer coordinator may add fields;
    /// of duplicate keys the first counts; an integer may be written `5.0` or `5e2` (below 2^53
    /// only: the one difference, see `SpecValue.integer`); `retryOn` may repeat a condition. The
    /// text must be strict RFC 8259 JSON (see `JSONReader`).
    ///
    /// The text exactly as `jsonText` writes it (what workers get) is read without a JSON tree
    /// (`CanonicalSpecReader`); any other goes through the tree (`init(readingTree:)`).
    public init(jsonText: String) throws(TaskSpecDecodingError) {
        if let spec = CanonicalSpecReader.spec(jsonText) {
            self = spec
            return
        }
        try self.init(readingTree: jsonText)
    }

    /// The general reader: parses the text into a JSON tree, then reads the spec's fields from
    /// it, naming the field an error is about.
    package init(readingTree jsonText: String) throws(TaskSpecDecodingError) {
        let root: JSONValue
        do {
            root = try JSONReader.parse(jsonText)
        } catch {
            throw .malformedJSON(error)
        }
        let spec = try SpecObject(root) { "" }
        self.init(
            runID: try spec.required("runID", SpecValue.string),
            taskID: try spec.required("taskID", SpecValue.string),
            stepID: try spec.required("stepID", SpecValue.string),
            type: try spec.required("type", SpecValue.string),
            run: try spec.required("run", SpecValue.strings),
            shell: try spec.required("shell", SpecValue.bool),
            env: try spec.required("env", SpecValue.stringDictionary),
            cwd: try spec.optional("cwd", SpecValue.string),
            http: try spec.optional("http", HTTPSpec.init(specJSON:_:)),
            with: try spec.required("with", SpecValue.stringDictionary),
            timeoutMilliseconds: try spec.optional("timeoutMilliseconds", SpecValue.int),
            retry: try spec.required("retry", RetryPolicy.init(specJSON:_:)),
            outputRefs: try spec.required("outputRefs") { value, path throws(TaskSpecDecodingError) in
                try SpecValue.dictionary(value, path, expected: "an object of string arrays", SpecValue.strings)
            },
            cache: try spec.optional("cache", TaskCacheSettings.init(specJSON:_:)))
        heartbeatTimeoutMilliseconds = try spec.optional("heartbeatTimeoutMilliseconds", SpecValue.int)
        condition = try spec.optional("condition", TaskCondition.init(specJSON:_:))
    }
}

extension HTTPSpec {
    fileprivate init(specJSON value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) {
        let http = try SpecObject(value, path)
        self.init(
            url: try http.required("url", SpecValue.string),
            method: try http.required("method", SpecValue.string),
            headers: try http.required("headers", SpecValue.stringDictionary),
            body: try http.optional("body", SpecValue.string))
    }
}

extension RetryPolicy {
    fileprivate init(specJSON value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) {
        let retry = try SpecObject(value, path)
        self.init(
            maxRetries: try retry.required("maxRetries", SpecValue.int),
            backoff: try retry.required("backoff", SpecValue.choice),
            initial: try retry.required("initial", SpecValue.duration),
            cap: try retry.required("cap", SpecValue.duration),
            jitter: try retry.required("jitter", SpecValue.bool),
            retryOn: Set(try retry.required("retryOn") { value, path throws(TaskSpecDecodingError) in
                try SpecValue.array(value, path, expected: "an array of conditions", SpecValue.choice)
            }))
    }
}
