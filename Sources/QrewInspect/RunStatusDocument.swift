import QrewQueue

/// The `qctl status --json` document, a stable contract (docs/status-json.md): every key is
/// always present, absent values are `null`, timestamps are RFC 3339 UTC with milliseconds.
public struct RunStatusDocument: Encodable, Sendable {
    public let id: String
    public let name: String
    public let state: String
    public let createdAt: String?
    public let startedAt: String?
    public let finishedAt: String?
    public let error: String?
    /// Slot changes of workers while they ran this run's tasks (`--concurrency auto`).
    public let throttles: Int
    public let cache: CacheCounts
    /// The step whose child run this run is (a child workflow), or nil.
    public let parent: ParentLink?
    /// The child runs of this run's workflow steps, in task order.
    public let children: [ChildLink]
    /// The run's W3C trace id (32 hex digits); nil for a run stored without one.
    public let traceId: String?
    public let tasks: [TaskStatus]

    /// One task of the run, in plan order.
    public struct TaskStatus: Encodable, Sendable {
        public let id: String
        public let step: String
        public let state: String
        public let priority: Int
        public let attempts: Int
        public let worker: String?
        public let queuedAt: String?
        public let startedAt: String?
        public let finishedAt: String?
        public let exitCode: Int?
        public let output: String?
        public let error: String?
        /// The latest progress the task reported (`QREW_PROGRESS`): percent and message.
        public let progress: Int?
        public let progressMessage: String?
        /// Whether the result came from the result cache instead of a run.
        public let cached: Bool
        /// The task's result-cache key (a task of a step with `cache` that was looked up).
        public let cacheKey: String?
        /// `run/task` whose result a cached task reused.
        public let cacheSource: String?
        /// For a similarity hit: the entry matched and its estimated similarity.
        public let cacheMatch: CacheMatch?
        /// Why a ready task is not running (a closed gate or full keyed limit), or nil.
        public let waitingFor: String?
        /// The child run a workflow step started, or nil.
        public let childRun: String?
        /// The span id of the task's last recorded attempt, and that attempt's `TRACEPARENT`.
        public let spanId: String?
        public let traceparent: String?
        /// Raw start and finish times (ms), for the readable table; not encoded.
        public let startMilliseconds: Int?
        public let finishMilliseconds: Int?

        public init(_ fields: [String: String], waitingFor wait: GateWait? = nil, trace: RunTrace? = nil) {
            id = fields["id"] ?? ""
            step = fields["step"] ?? ""
            state = fields["state"] ?? "unknown"
            priority = Int(fields["priority"] ?? "") ?? 0
            attempts = Int(fields["attempt"] ?? "") ?? 0
            worker = nonEmpty(fields["worker"])
            queuedAt = timestamp(fields["queuedAt"])
            startedAt = timestamp(fields["startedAt"])
            finishedAt = timestamp(fields["finishedAt"])
            exitCode = fields["exitCode"].flatMap { Int($0) }
            output = nonEmpty(fields["output"])
            error = nonEmpty(fields["error"])
            progress = fields["progress"].flatMap { Int($0) }
            progressMessage = nonEmpty(fields["progressMessage"])
            cached = fields["cached"] == "1"
            cacheKey = nonEmpty(fields["cacheKey"])
            cacheSource = cached ? nonEmpty(fields["cacheSource"]) : nil
            cacheMatch = cached ? nonEmpty(fields["cacheMatch"]).map {
                CacheMatch(key: $0, score: Double(fields["cacheScore"] ?? "") ?? 0)
            } : nil
            waitingFor = wait.map { wait in
                wait.summary + (wait.until.map { " until " + Timestamp.rfc3339(milliseconds: $0) } ?? "")
            } ?? Self.awaitingWait(fields)
            childRun = nonEmpty(fields["childRun"])
            let span = nonEmpty(fields["spanId"])
            spanId = span
            traceparent = trace.flatMap { trace in span.map { trace.traceparent(spanID: $0) } }
            startMilliseconds = Timestamp.milliseconds(fields["startedAt"])
            finishMilliseconds = Timestamp.milliseconds(fields["finishedAt"])
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(step, forKey: .step)
            try container.encode(state, forKey: .state)
            try container.encode(priority, forKey: .priority)
            try container.encode(attempts, forKey: .attempts)
            try container.encode(worker, forKey: .worker)
            try container.encode(queuedAt, forKey: .queuedAt)
            try container.encode(startedAt, forKey: .startedAt)
            try container.encode(finishedAt, forKey: .finishedAt)
            try container.encode(exitCode, forKey: .exitCode)
            try container.encode(output, forKey: .output)
            try container.encode(error, forKey: .error)
            try container.encode(progress, forKey: .progress)
            try container.encode(progressMessage, forKey: .progressMessage)
            try container.encode(cached, forKey: .cached)
            try container.encode(cacheKey, forKey: .cacheKey)
            try container.encode(cacheSource, forKey: .cacheSource)
            try container.encode(cacheMatch, forKey: .cacheMatch)
            try container.encode(waitingFor, forKey: .waitingFor)
            try container.encode(childRun, forKey: .childRun)
            try container.encode(spanId, forKey: .spanId)
            try container.encode(traceparent, forKey: .traceparent)
        }

        private enum CodingKeys: String, CodingKey {
            case id, step, state, priority, attempts, worker, queuedAt, startedAt, finishedAt, exitCode, output, error
            case cached, cacheKey, cacheSource, cacheMatch
            case progress, progressMessage, waitingFor, childRun
            case spanId, traceparent
        }
    }

    /// The near-duplicate entry a similarity cache hit reused.
    public struct CacheMatch: Encodable, Sendable {
        public let key: String
        /// Estimated Jaccard similarity of the two `similar` texts, 0...1.
        public let score: Double
    }

    /// Result-cache lookups of the run's tasks.
    public struct CacheCounts: Encodable, Sendable {
        public let hits: Int
        public let misses: Int
    }

    /// `childStates`: the state of each child run by id (`ChildLink.state`).
    public init(_ snapshot: RunSnapshot, gateWaits: [String: GateWait] = [:], childStates: [String: String] = [:]) {
        let fields = snapshot.fields
        id = snapshot.id
        name = fields["name"] ?? ""
        state = snapshot.state
        createdAt = timestamp(fields["createdAt"])
        startedAt = timestamp(fields["startedAt"])
        finishedAt = timestamp(fields["finishedAt"])
        error = nonEmpty(fields["error"]) ?? nonEmpty(fields["cancelReason"])
        throttles = Int(fields["throttles"] ?? "") ?? 0
        cache = CacheCounts(hits: Int(fields["cacheHits"] ?? "") ?? 0, misses: Int(fields["cacheMisses"] ?? "") ?? 0)
        let trace = RunTrace(runFields: fields)
        traceId = trace?.traceID
        tasks = snapshot.tasks.map { TaskStatus($0, waitingFor: gateWaits[$0["id"] ?? ""], trace: trace) }
        parent = ParentLink(fields)
        children = tasks.compactMap { task in
            task.childRun.map { ChildLink(run: $0, task: task.id, state: childStates[$0] ?? "unknown") }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(error, forKey: .error)
        try container.encode(throttles, forKey: .throttles)
        try container.encode(cache, forKey: .cache)
        try container.encode(parent, forKey: .parent)
        try container.encode(children, forKey: .children)
        try container.encode(traceId, forKey: .traceId)
        try container.encode(tasks, forKey: .tasks)
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, state, createdAt, startedAt, finishedAt, error, cache, throttles, traceId, parent, children, tasks
    }
}

/// A protocol timestamp field (ms since the epoch) as RFC 3339, or nil when absent.
private func timestamp(_ field: String?) -> String? {
    Timestamp.milliseconds(field).map { Timestamp.rfc3339(milliseconds: $0) }
}

private func nonEmpty(_ field: String?) -> String? {
    field.flatMap { $0.isEmpty ? nil : $0 }
}
