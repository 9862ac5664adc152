/// What one task runs: the envelope the coordinator stores when it decomposes a run and the
/// worker decodes when it claims the task.
///
/// Matrix values, params and the run id are already substituted; `${{ steps.X.output }}`
/// references stay in place until the worker renders them with the outputs the claim returns
/// (`outputRefs` says which task outputs make up each step's output).
public struct TaskSpec: Sendable, Hashable, Codable {
    public var runID: String
    public var taskID: String
    public var stepID: String
    /// `shell`, `http`, `echo`, `sleep`, `fail`, or a registered handler's name.
    public var type: String
    /// argv for `shell` (one element holding a script when `shell` is true).
    public var run: [String]
    public var shell: Bool
    public var env: [String: String]
    public var cwd: String?
    public var http: HTTPSpec?
    /// Arguments of built-in and registered handlers.
    public var with: [String: String]
    /// Milliseconds before the task is killed; nil for no limit.
    public var timeoutMilliseconds: Int?
    /// Milliseconds of silence (no progress line) before the task is killed as `lost`; nil
    /// for no limit.
    public var heartbeatTimeoutMilliseconds: Int? = nil
    public var retry: RetryPolicy
    /// Step id to the ids of its tasks whose outputs form that step's output (newline-joined in
    /// this order when a matrix step has several).
    public var outputRefs: [String: [String]]
    /// Result caching; nil for a task that does not cache.
    public var cache: TaskCacheSettings?
    /// The step's `if:`, evaluated by the worker before it runs the task; nil without one.
    public var condition: TaskCondition? = nil

    public init(
        runID: String, taskID: String, stepID: String, type: String, run: [String] = [], shell: Bool = false,
        env: [String: String] = [:], cwd: String? = nil, http: HTTPSpec? = nil, with: [String: String] = [:],
        timeoutMilliseconds: Int? = nil, retry: RetryPolicy = .default, outputRefs: [String: [String]] = [:],
        cache: TaskCacheSettings? = nil
    ) {
        self.runID = runID
        self.taskID = taskID
        self.stepID = stepID
        self.type = type
        self.run = run
        self.shell = shell
        self.env = env
        self.cwd = cwd
        self.http = http
        self.with = with
        self.timeoutMilliseconds = timeoutMilliseconds
        self.retry = retry
        self.outputRefs = outputRefs
        self.cache = cache
    }

    /// The spec with every `${{ steps.X.output }}` replaced, given task outputs by task id;
    /// `${{ secrets.NAME }}` references stay (see ``resolvingSecrets(outputs:secrets:)``).
    public func rendered(outputs: [String: String]) throws(TemplateError) -> TaskSpec {
        let renderer = TemplateRenderer(context: renderContext(outputs: outputs))
        return try mappingTemplates { text throws(TemplateError) in try renderer.renderKeepingSecrets(text) }
    }

    /// The step outputs (from task outputs by task id) and run id a worker renders with.
    func renderContext(outputs: [String: String]) -> TemplateContext {
        var stepOutputs: [String: String] = [:]
        for (step, tasks) in outputRefs {
            stepOutputs[step] = tasks.map { outputs[$0] ?? "" }.joined(separator: "\n")
        }
        return TemplateContext(stepOutputs: stepOutputs, runID: runID)
    }

    /// Whether any field that may hold templates holds text that may be a reference (one that
    /// `mappingTemplates` would give its transform).
    var mayContainTemplates: Bool {
        var found = false
        _ = try? mappingTemplates { text throws(TemplateError) in
            found = true
            return text
        }
        return found
    }

    /// The spec with `transform` applied to every field that may hold templates (argv, cwd,
    /// environment, `with`, the HTTP request, the cache key and similarity text): the one list of
    /// those fields, for rendering at run time and for expanding a dynamic fan-out. Only text that
    /// may hold a reference (`Template.mayContainReference`) is given to `transform`: every
    /// renderer returns other text as it is, so a spec without templates (most) is returned
    /// without copying its dictionaries.
    func mappingTemplates(_ transform: (String) throws(TemplateError) -> String) throws(TemplateError) -> TaskSpec {
        try mappingTemplates(
            secretField: { text, _ throws(TemplateError) in try transform(text) },
            otherField: { text, _ throws(TemplateError) in try transform(text) })
    }

    /// The same fields, `secretField` applied to those secrets are allowed in (`env`, `with` and
    /// `headers` values) and `otherField` to the rest; each gets the field's name (`env.TOKEN`,
    /// `run[1]`, `cache.key`).
    func mappingTemplates(
        secretField: (String, _ field: String) throws(TemplateError) -> String,
        otherField: (String, _ field: String) throws(TemplateError) -> String
    ) throws(TemplateError) -> TaskSpec {
        func map(_ values: [String: String], _ field: String) throws(TemplateError) -> [String: String] {
            var result = values
            for (key, value) in values where Template.mayContainReference(value) {
                result[key] = try secretField(value, "\(field).\(key)")
            }
            return result
        }
        func other(_ text: String, _ field: @autoclosure () -> String) throws(TemplateError) -> String {
            Template.mayContainReference(text) ? try otherField(text, field()) : text
        }
        var copy = self
        for index in run.indices where Template.mayContainReference(run[index]) {
            copy.run[index] = try otherField(run[index], "run[\(index)]")
        }
        if let cwd { copy.cwd = try other(cwd, "cwd") }
        copy.env = try map(env, "env")
        copy.with = try map(with, "with")
        if var http {
            http.url = try other(http.url, "url")
            http.headers = try map(http.headers, "headers")
            if let body = http.body { http.body = try other(body, "body") }
            copy.http = http
        }
        if var cache {
            if let key = cache.key { cache.key = try other(key, "cache.key") }
            if let similar = cache.similar { cache.similar = try other(similar, "cache.similar") }
            copy.cache = cache
        }
        return copy
    }
}
