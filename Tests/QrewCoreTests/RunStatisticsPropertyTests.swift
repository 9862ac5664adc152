import Testing
@testable import QrewCore

/// Invariants of `RunStatistics` over seeded random runs: random DAGs whose tasks start no
/// earlier than their dependencies ended, with random retries and limits.
struct RunStatisticsPropertyTests {
    static func randomRun(seed: UInt64) -> RunRecords {
        var random = SplitMix64(seed: seed &* 104_729)
        let count = Int.random(in: 1...40, using: &random)
        var tasks: [RunRecords.Task] = []
        var ends: [Int] = []
        let finished = Bool.random(using: &random)
        for index in 0..<count {
            let dependencies = index == 0 ? [] : (0..<Int.random(in: 0...3, using: &random)).map { _ in Int.random(in: 0..<index, using: &random) }
            let unique = Array(Set(dependencies)).sorted()
            var ready = unique.map { ends[$0] }.max() ?? 0
            var attempts: [RunRecords.Attempt] = []
            let most = Int.random(in: 1...3, using: &random)
            for number in 0..<most {
                let start = ready + Int.random(in: 0...500, using: &random)
                let end = start + Int.random(in: 0...2000, using: &random)
                let last = number == most - 1 || Bool.random(using: &random)
                attempts.append(.init(readyAt: number == 0 ? nil : ready, startedAt: start, endedAt: end,
                                      outcome: last ? "succeeded" : (Bool.random(using: &random) ? "retry:timed_out" : "retry:failed")))
                ready = end + Int.random(in: 0...300, using: &random)
                if last { break }
            }
            ends.append(attempts.last!.endedAt!)
            let limits = Bool.random(using: &random) ? ["pool:p\(Int.random(in: 0...2, using: &random))"] : []
            tasks.append(.init(id: "t\(index)", step: "s\(index % 5)", state: "succeeded", dependencies: unique.map { "t\($0)" },
                               limits: limits, attempts: attempts))
        }
        let end = ends.max() ?? 0
        return RunRecords(runID: "r", workflow: "w", state: finished ? "succeeded" : "running", createdAt: 0,
                          finishedAt: finished ? end : nil, now: end + 1000, tasks: tasks,
                          limitSizes: ["pool:p0": 1, "pool:p1": 2, "pool:p2": 3],
                          estimates: ["s0": 700, "s2": 1500])
    }

    /// The heaviest chain's weight, by brute-force recursion over every chain.
    static func heaviestChain(_ records: RunRecords, weight: (RunRecords.Task) -> Int) -> Int {
        var memo: [String: Int] = [:]
        func longest(from id: String) -> Int {
            if let known = memo[id] { return known }
            let task = records.tasks.first { $0.id == id }!
            let tail = records.tasks.filter { $0.dependencies.contains(id) }.map { longest(from: $0.id) }.max() ?? 0
            memo[id] = weight(task) + tail
            return weight(task) + tail
        }
        return records.tasks.map { longest(from: $0.id) }.max() ?? 0
    }

    @Test(arguments: Array(UInt64(1)...150))
    func invariantsHold(seed: UInt64) throws {
        let records = Self.randomRun(seed: seed)
        let stats = RunStatistics(records)
        let byID = Dictionary(uniqueKeysWithValues: records.tasks.map { ($0.id, $0) })

        if let efficiency = stats.parallelEfficiency {
            #expect(efficiency > 0 && efficiency <= 1)
            #expect(stats.peakConcurrency >= 1)
            #expect(stats.meanConcurrency <= Double(stats.peakConcurrency) + 1e-9)
        } else {
            #expect(stats.taskSeconds == 0)
        }

        // The actual path is a chain of dependencies ending with the task that finished last.
        let actual = stats.criticalPath.actual.tasks
        for (earlier, later) in zip(actual, actual.dropFirst()) {
            #expect(byID[later]!.dependencies.contains(earlier))
        }
        let lastEnd = records.tasks.map { $0.attempts.last!.endedAt! }.max()!
        #expect(byID[actual.last!]!.attempts.last!.endedAt == lastEnd)
        #expect(byID[actual.first!]!.dependencies.isEmpty)

        // The planned path is a chain whose weight is the heaviest of all chains.
        let planned = stats.criticalPath.planned
        for (earlier, later) in zip(planned.tasks, planned.tasks.dropFirst()) {
            #expect(byID[later]!.dependencies.contains(earlier))
        }
        let weight = { (task: RunRecords.Task) in
            records.estimates[task.step] ?? task.attempts.last.map { $0.endedAt! - $0.startedAt } ?? 0
        }
        #expect(Int((planned.seconds * 1000).rounded()) == Self.heaviestChain(records, weight: weight))
        #expect(Int((planned.seconds * 1000).rounded()) == planned.tasks.map { weight(byID[$0]!) }.reduce(0, +))

        // Limits: shares within [0, 1]; the per-step counts add up to the tasks.
        for pool in stats.pools {
            #expect((0...1).contains(pool.utilization ?? 0))
            #expect((0...1).contains(pool.fullFraction ?? 0))
            #expect(pool.parkedSeconds >= 0)
            // Parked time, by brute force: each attempt's wait against each full stretch.
            let timeline = RunTimeline(records)
            let members = Set(records.tasks.indices.filter { records.tasks[$0].limits.contains(pool.limit) })
            let attempts = timeline.intervals.filter { members.contains($0.task) }
            let full = RunTimeline.concurrency(attempts.map { ($0.start, $0.end) }).segments.filter { $0.count >= pool.size! }
            var parked = 0
            for attempt in attempts {
                for segment in full { parked += max(0, min(attempt.start, segment.end) - max(attempt.readyAt, segment.start)) }
            }
            #expect(Int((pool.parkedSeconds * 1000).rounded()) == parked)
        }
        #expect(stats.steps.map(\.tasks).reduce(0, +) == records.tasks.count)
        #expect(stats.steps.map(\.retries).reduce(0, +) == records.tasks.map { $0.attempts.count - 1 }.reduce(0, +))
        #expect((stats.eta == nil) == (records.finishedAt != nil))
    }
}
