import QrewCore
import QrewRedis

extension Keys {
    /// List of finished runs (newest first, capped) whose task durations the leader has yet to
    /// learn from (lib/finish pushes each run as it ends).
    public var learning: String { "\(prefix):learn" }
    /// Hash of a workflow's learned step durations: `<step>` → p50 (ms) and `<step>:samples` →
    /// the last samples (comma-separated ms, oldest first); expires 30 days after the last run
    /// that updated it.
    public func durationEstimates(workflow: String) -> String { "\(prefix):estimates:\(workflow)" }
}

/// Learned step durations (p50 of recent runs), for critical-path scoring and `qctl plan`.
public enum DurationEstimates {
    /// How long a workflow's estimates outlive its last run that updated them.
    public static let retention = Duration.seconds(30 * 86_400)
    /// Tasks of one run read for learning; a bigger run's later tasks are left out.
    public static let tasksReadPerRun = 2000

    /// The step → p50 estimates of an estimates hash (`<step>` fields), ignoring sample lists.
    static func estimates(_ fields: [String: String]) -> [String: Duration] {
        var estimates: [String: Duration] = [:]
        for (field, value) in fields where !field.contains(":") {
            if let ms = Int(value), ms >= 0 { estimates[field] = .milliseconds(ms) }
        }
        return estimates
    }
}

extension QueueClient {
    /// Learns from up to `limit` finished runs the leader has not learned from yet: one sample
    /// per step (the median of the run's succeeded tasks of that step), folded into the last
    /// `DurationSamples.capacity` samples and the p50 of the workflow's estimates hash. Returns
    /// how many runs it learned from. Off the hot paths: claim and complete never do this.
    /// A run whose workflow `shouldLearn` declines (the leader samples a workflow that finishes
    /// runs by the hundred a second at most every few seconds) is dropped unread.
    public func learnDurations(
        limit: Int = 20, shouldLearn: (_ workflow: String) -> Bool = { _ in true }
    ) async throws(QueueError) -> Int {
        let popped = try await send(["RPOP", .string(keys.learning), .int(limit)])
        let runs = (popped.array ?? []).compactMap(\.string)
        guard !runs.isEmpty else { return 0 }
        let names = try await pipeline(runs.map { ["HGET", .string(keys.run($0)), "name"] })
        var learned = 0
        for (run, name) in zip(runs, names) {
            guard let workflow = name.string, !workflow.isEmpty, shouldLearn(workflow) else { continue }
            try await learn(fromRun: run, workflow: workflow)
            learned += 1
        }
        return learned
    }

    private func learn(fromRun run: String, workflow: String) async throws(QueueError) {
        let listed = try await send(["LRANGE", .string(keys.runTasks(run)), "0", .int(DurationEstimates.tasksReadPerRun - 1)])
        let ids = (listed.array ?? []).compactMap(\.string)
        let replies = try await pipeline(ids.map { id in
            ["HMGET", .string(keys.task(TaskRef(runID: run, taskID: id))), "step", "state", "startedAt", "finishedAt"]
        })
        var finished: [(step: String, startedAt: Int, finishedAt: Int)] = []
        for reply in replies {
            let fields = (reply.array ?? []).map(\.string)
            guard fields.count == 4, fields[1] == "succeeded", let step = fields[0],
                  let started = fields[2].flatMap({ Int($0) }), let ended = fields[3].flatMap({ Int($0) }) else { continue }
            finished.append((step, started, ended))
        }
        let samples = DurationSamples.runSamples(finished)
        guard !samples.isEmpty else { return }
        let key = keys.durationEstimates(workflow: workflow)
        let stored = Self.hash(try await send(["HGETALL", .string(key)]))
        var update: [RedisArgument] = ["HSET", .string(key)]
        for (step, sample) in samples.sorted(by: { $0.key < $1.key }) {
            var history = DurationSamples(text: stored["\(step):samples"] ?? "")
            history.record(sample)
            update += [.string(step), .int(history.median ?? sample), .string("\(step):samples"), .string(history.text)]
        }
        _ = try await pipeline([update, ["PEXPIRE", .string(key), .int(DurationEstimates.retention.milliseconds)]])
    }

    /// The learned estimates (step id → p50) of workflow `name`; empty when it has none.
    public func durationEstimates(workflow name: String) async throws(QueueError) -> [String: Duration] {
        DurationEstimates.estimates(Self.hash(try await send(["HGETALL", .string(keys.durationEstimates(workflow: name))])))
    }
}

extension QueueSession {
    /// `QueueClient.durationEstimates(workflow:)` on this session's connection (the intake's).
    public func durationEstimates(workflow name: String) throws(QueueError) -> [String: Duration] {
        DurationEstimates.estimates(QueueClient.hash(try send(["HGETALL", .string(queue.keys.durationEstimates(workflow: name))])))
    }
}
