extension RunStatistics {
    /// Thresholds of the recommendation rules (docs/operations.md, *Recommendations*).
    public enum RecommendationRules {
        /// A limit full at least this share of the wall time, with tasks parked on it ...
        public static let fullLimitShare = 0.5
        /// ... for at least this long in total (and at least `minimumShareOfWall` of the wall).
        public static let fullLimitParkedMilliseconds = 1000
        public static let minimumShareOfWall = 0.1
        /// A critical-path step whose tasks waited at least this share of their time in the queue,
        public static let criticalWaitShare = 0.25
        /// and at least this long.
        public static let criticalWaitMilliseconds = 1000
        /// A step with retries, at least this share of them after timeouts.
        public static let timeoutRetryShare = 0.5
        /// Below this parallel efficiency (with a peak of 2 or more over at least
        /// `lowEfficiencyWallMilliseconds`), concurrency sat idle.
        public static let lowEfficiency = 0.5
        public static let lowEfficiencyWallMilliseconds = 5000
    }

    /// The sentences of every rule that fires, most costly first within each rule.
    static func recommendations(_ stats: RunStatistics, timeline: RunTimeline) -> [String] {
        typealias Rules = RecommendationRules
        var sentences: [String] = []
        let wall = stats.wallSeconds
        for pool in stats.pools.sorted(by: { $0.parkedSeconds > $1.parkedSeconds }) {
            guard let full = pool.fullFraction, full >= Rules.fullLimitShare,
                  pool.parkedSeconds * 1000 >= Double(Rules.fullLimitParkedMilliseconds),
                  pool.parkedSeconds >= wall * Rules.minimumShareOfWall else { continue }
            let waited = "was full \(percent(full)) % of the run and tasks waited \(secondsText(pool.parkedSeconds)) for it"
            switch limitKind(pool.limit) {
            case .pool(let name):
                sentences.append("pool `\(name)` \(waited): raise its size or lower `maxConcurrency` elsewhere")
            case .run:
                sentences.append("the run's `maxConcurrency` (\(pool.size ?? 0)) \(waited): raise it if the workers and what the tasks use can take more")
            case .step(let step):
                sentences.append("step `\(step)`'s `maxConcurrency` (\(pool.size ?? 0)) \(waited): raise it if what the step uses can take more")
            case .key(let key):
                sentences.append("concurrency key `\(key)` \(waited): raise the step's `concurrency` limit or spread the work over more keys")
            }
        }
        let onPath = stats.criticalPath.actual.tasks.compactMap { timeline.index[$0] }
        for step in stats.steps where step.onCriticalPath {
            let members = onPath.filter { timeline.records.tasks[$0].step == step.step }
            let wait = members.map(timeline.waitTime).reduce(0, +)
            let run = members.map(timeline.runTime).reduce(0, +)
            guard wait >= Rules.criticalWaitMilliseconds, wait + run > 0 else { continue }
            let share = Double(wait) / Double(wait + run)
            guard share >= Rules.criticalWaitShare else { continue }
            sentences.append("step `\(step.step)` is on the critical path and waited \(percent(share)) % of its time in the queue: give it more priority or more worker slots")
        }
        for step in stats.steps where step.retries > 0 {
            guard Double(step.retriesAfterTimeout) >= Double(step.retries) * Rules.timeoutRetryShare, step.retriesAfterTimeout > 0 else { continue }
            sentences.append("\(step.retriesAfterTimeout) of \(step.retries) retries of `\(step.step)` followed timeouts: raise its timeout")
        }
        for breaker in stats.breakers where breaker.failedAttempts >= breaker.failures {
            sentences.append("circuit breaker `\(breaker.key)` counted \(breaker.failedAttempts) failed attempts of this run (it opens at \(breaker.failures) within \(secondsText(breaker.windowSeconds))): what its steps call is failing; `qctl breakers` shows when it lets tasks through again")
        }
        if let efficiency = stats.parallelEfficiency, efficiency < Rules.lowEfficiency, stats.peakConcurrency >= 2,
           wall * 1000 >= Double(Rules.lowEfficiencyWallMilliseconds) {
            sentences.append("parallel efficiency was \(percent(efficiency)) % (\(String(rounded: stats.meanConcurrency)) tasks running on average, \(stats.peakConcurrency) at the peak): the critical path, not the worker slots, set the wall time; shorten or split its steps")
        }
        return sentences
    }

    enum LimitKind: Equatable { case pool(String), run, step(String), key(String) }

    static func limitKind(_ limit: String) -> LimitKind {
        if limit.hasPrefix("pool:") { return .pool(String(limit.dropFirst(5))) }
        if limit.hasPrefix("step:") { return .step(String(limit.dropFirst(5))) }
        if limit.hasPrefix("key:") { return .key(limit.split(separator: ":", maxSplits: 2).last.map(String.init) ?? limit) }
        return .run
    }

    static func percent(_ share: Double) -> Int { Int((share * 100).rounded()) }

    /// `41 s`, or `2.5 s` under ten seconds.
    static func secondsText(_ value: Double) -> String {
        value >= 10 ? "\(Int(value.rounded())) s" : "\(String(rounded: value)) s"
    }
}

fileprivate extension String {
    /// `value` with one decimal (`2.5`).
    init(rounded value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}
