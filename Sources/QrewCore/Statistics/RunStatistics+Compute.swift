extension RunStatistics {
    /// Computes the statistics of `records` (pure; docs/operations.md, *Run statistics*).
    public init(_ records: RunRecords) {
        let timeline = RunTimeline(records)
        run = records.runID
        state = records.state
        wallSeconds = seconds(timeline.wall)
        let running = timeline.intervals.map { $0.end - $0.start }.reduce(0, +)
        taskSeconds = seconds(running)
        let concurrency = RunTimeline.concurrency(timeline.intervals.map { ($0.start, $0.end) })
        peakConcurrency = concurrency.peak
        meanConcurrency = timeline.wall > 0 ? Double(running) / Double(timeline.wall) : 0
        parallelEfficiency = concurrency.peak > 0 && timeline.wall > 0 && running > 0
            ? min(1, Double(running) / (Double(timeline.wall) * Double(concurrency.peak))) : nil
        var states: [String: Int] = [:]
        for task in records.tasks { states[task.state, default: 0] += 1 }
        self.states = states
        let succeeded = states["succeeded"] ?? 0
        let ended = succeeded + (states["failed"] ?? 0) + (states["timed_out"] ?? 0) + (states["lost"] ?? 0)
        successRate = ended > 0 ? Double(succeeded) / Double(ended) : nil
        let actual = timeline.actualCriticalPath()
        criticalPath = CriticalPaths(planned: timeline.plannedCriticalPath(), actual: actual)
        steps = timeline.stepFigures(criticalPath: Set(actual.tasks))
        pools = timeline.limitFigures()
        throttles = records.throttles
        breakers = timeline.breakerFigures()
        eta = records.finishedAt == nil ? timeline.eta() : nil
        recommendations = []
        recommendations = RunStatistics.recommendations(self, timeline: timeline)
    }
}

/// The attempts of a run laid on one time axis, with the graph of its tasks: what the figures
/// of `RunStatistics` are computed from.
struct RunTimeline {
    /// One attempt clamped to the run's span; `end` is now for an attempt still running.
    struct Interval {
        var task: Int
        var readyAt: Int
        var start: Int
        var end: Int
        var outcome: String?
    }

    let records: RunRecords
    let start: Int
    let end: Int
    var wall: Int { end - start }
    let intervals: [Interval]
    /// Positions in `intervals` of each task's attempts, in order.
    let attemptsOfTask: [[Int]]
    let index: [String: Int]
    let dependents: [[Int]]
    /// When each task's last attempt ended (now while it runs); nil for a task that never ran.
    let endTimes: [Int?]

    init(_ records: RunRecords) {
        self.records = records
        start = records.createdAt
        end = records.end
        var index: [String: Int] = [:]
        for (position, task) in records.tasks.enumerated() where index[task.id] == nil { index[task.id] = position }
        self.index = index
        var dependents = Array(repeating: [Int](), count: records.tasks.count)
        for (position, task) in records.tasks.enumerated() {
            for dependency in task.dependencies { if let from = index[dependency] { dependents[from].append(position) } }
        }
        self.dependents = dependents
        let (start, end) = (start, end)
        let clamp = { (time: Int) in min(max(time, start), end) }
        let endTimes: [Int?] = records.tasks.map { task in
            // A fan-out's join finishes after its attempt ended (when its tasks did).
            if let finished = task.finishedAt { return clamp(finished) }
            return task.attempts.last.map { clamp($0.endedAt ?? end) }
        }
        self.endTimes = endTimes
        var intervals: [Interval] = []
        for (position, task) in records.tasks.enumerated() {
            let dependenciesEnd = task.dependencies.compactMap { index[$0].flatMap { endTimes[$0] } }.max()
            for (number, attempt) in task.attempts.enumerated() {
                let began = clamp(attempt.startedAt)
                let fallbackReady = task.attempts.count == 1 ? task.queuedAt : nil
                let ready = min(clamp(attempt.readyAt ?? fallbackReady ?? (number == 0 ? dependenciesEnd ?? start : began)), began)
                intervals.append(Interval(task: position, readyAt: ready, start: began, end: max(clamp(attempt.endedAt ?? end), began),
                                          outcome: attempt.outcome))
            }
        }
        self.intervals = intervals
        var attemptsOfTask = Array(repeating: [Int](), count: records.tasks.count)
        for (position, interval) in intervals.enumerated() { attemptsOfTask[interval.task].append(position) }
        self.attemptsOfTask = attemptsOfTask
    }

    /// Peak and time-weighted count of overlapping intervals; an interval ending when another
    /// starts does not overlap it.
    static func concurrency(_ spans: [(start: Int, end: Int)]) -> (peak: Int, segments: [(start: Int, end: Int, count: Int)]) {
        var changes: [(time: Int, delta: Int)] = []
        for span in spans where span.end > span.start { changes += [(span.start, 1), (span.end, -1)] }
        changes.sort { $0.time != $1.time ? $0.time < $1.time : $0.delta < $1.delta }
        var count = 0, peak = 0
        var segments: [(start: Int, end: Int, count: Int)] = []
        for (offset, change) in changes.enumerated() {
            count += change.delta
            peak = max(peak, count)
            if offset + 1 < changes.count, changes[offset + 1].time > change.time, count > 0 {
                segments.append((change.time, changes[offset + 1].time, count))
            }
        }
        return (peak, segments)
    }

    func runTime(of task: Int) -> Int {
        attemptsOfTask[task].map { intervals[$0].end - intervals[$0].start }.reduce(0, +)
    }

    func waitTime(of task: Int) -> Int {
        attemptsOfTask[task].map { intervals[$0].start - intervals[$0].readyAt }.reduce(0, +)
    }

    /// The chain that ended the run: from the task that finished last, back through the
    /// dependency that finished last, to a task with none.
    func actualCriticalPath() -> RunStatistics.Path {
        let ran = records.tasks.indices.filter { endTimes[$0] != nil && !records.tasks[$0].attempts.isEmpty }
        guard var current = ran.max(by: { (endTimes[$0]!, -$0) < (endTimes[$1]!, -$1) }) else {
            return RunStatistics.Path(tasks: [], seconds: 0, waitSeconds: 0)
        }
        var path = [current]
        var seen: Set<Int> = [current]
        while let next = records.tasks[current].dependencies.compactMap({ index[$0] })
            .filter({ endTimes[$0] != nil && !seen.contains($0) })
            .max(by: { (endTimes[$0]!, -$0) < (endTimes[$1]!, -$1) }) {
            path.append(next)
            seen.insert(next)
            current = next
        }
        path.reverse()
        return RunStatistics.Path(
            tasks: path.map { records.tasks[$0].id }, seconds: seconds(path.map(runTime).reduce(0, +)),
            waitSeconds: seconds(path.map(waitTime).reduce(0, +)))
    }

    /// The longest chain by each task's estimated run time (its step's learned p50, else what
    /// the task took in this run, else 0).
    func plannedCriticalPath() -> RunStatistics.Path {
        let weights = records.tasks.indices.map { position in
            records.estimates[records.tasks[position].step] ?? lastRunTime(of: position) ?? 0
        }
        let (total, path) = longestPath(weights: weights, among: Set(records.tasks.indices))
        return RunStatistics.Path(tasks: path.map { records.tasks[$0].id }, seconds: seconds(total), waitSeconds: 0)
    }

    /// The run time of the task's last finished attempt.
    func lastRunTime(of task: Int) -> Int? {
        attemptsOfTask[task].last { intervals[$0].outcome != nil }.map { intervals[$0].end - intervals[$0].start }
    }

    /// The heaviest chain of tasks in `among` following dependents (weights in ms), first task
    /// first; ties go to the earlier task in plan order.
    func longestPath(weights: [Int], among: Set<Int>) -> (Int, [Int]) {
        var best = [Int?](repeating: nil, count: records.tasks.count)
        var next = [Int?](repeating: nil, count: records.tasks.count)
        var onStack = Set<Int>()
        func visit(_ task: Int) -> Int {
            if let known = best[task] { return known }
            guard onStack.insert(task).inserted else { return 0 }
            var tail = 0
            for dependent in dependents[task] where among.contains(dependent) {
                let length = visit(dependent)
                if next[task] == nil || length > tail { tail = length; next[task] = dependent }
            }
            onStack.remove(task)
            best[task] = weights[task] + tail
            return weights[task] + tail
        }
        var head: Int?
        var total = 0
        for task in among.sorted() {
            let length = visit(task)
            if head == nil || length > total { head = task; total = length }
        }
        var path: [Int] = []
        var current = head
        while let task = current, !path.contains(task) {
            path.append(task)
            current = next[task]
        }
        return (total, path)
    }

    /// The remaining critical path of a run still going, priced with learned durations.
    func eta() -> RunStatistics.ETA {
        var observed: [String: [Int]] = [:]
        for interval in intervals where interval.outcome == "succeeded" {
            observed[records.tasks[interval.task].step, default: []].append(interval.end - interval.start)
        }
        var unestimated: Set<String> = []
        var remaining: Set<Int> = []
        let weights = records.tasks.indices.map { position -> Int in
            let task = records.tasks[position]
            guard !task.isFinal else { return 0 }
            remaining.insert(position)
            guard let estimate = records.estimates[task.step] ?? DurationSamples.median(observed[task.step] ?? []) else {
                unestimated.insert(task.step)
                return 0
            }
            if task.state == "running", let last = task.attempts.last, last.endedAt == nil {
                return max(0, estimate - (records.now - last.startedAt))
            }
            return estimate
        }
        let (total, path) = longestPath(weights: weights, among: remaining)
        return RunStatistics.ETA(remainingSeconds: seconds(total), at: records.now + total,
                                 path: path.map { records.tasks[$0].id }, unestimatedSteps: unestimated.sorted())
    }

    func stepFigures(criticalPath: Set<String>) -> [RunStatistics.StepFigures] {
        var order: [String] = []
        var byStep: [String: [Int]] = [:]
        for (position, task) in records.tasks.enumerated() {
            if byStep[task.step] == nil { order.append(task.step) }
            byStep[task.step, default: []].append(position)
        }
        return order.map { step in
            let tasks = byStep[step]!
            let members = Set(tasks)
            let attempts = intervals.filter { members.contains($0.task) }
            let runs = attempts.filter { $0.outcome != nil }.map { $0.end - $0.start }
            let waits = attempts.map { $0.start - $0.readyAt }
            let retried = attempts.filter { $0.outcome?.hasPrefix("retry:") == true }
            return RunStatistics.StepFigures(
                step: step, tasks: tasks.count,
                runSecondsP50: DurationSamples.median(runs).map(seconds), runSecondsMax: runs.max().map(seconds),
                queueWaitSecondsP50: DurationSamples.median(waits).map(seconds), queueWaitSecondsMax: waits.max().map(seconds),
                retries: retried.count, retriesAfterTimeout: retried.filter { $0.outcome == "retry:timed_out" }.count,
                failures: tasks.filter { ["failed", "timed_out", "lost"].contains(records.tasks[$0].state) }.count,
                onCriticalPath: tasks.contains { criticalPath.contains(records.tasks[$0].id) })
        }
    }

    func breakerFigures() -> [RunStatistics.BreakerFigures] {
        var gates: [String: BreakerGate] = [:]
        var members: [String: Set<Int>] = [:]
        for (position, task) in records.tasks.enumerated() {
            for gate in task.gates.compactMap(BreakerGate.init) {
                gates[gate.escapedKey] = gate
                members[gate.escapedKey, default: []].insert(position)
            }
        }
        return gates.keys.sorted().map { key in
            let gate = gates[key]!
            let tasks = members[key]!
            let failed = tasks.flatMap { attemptsOfTask[$0] }.filter { position in
                guard let outcome = intervals[position].outcome else { return false }
                return outcome.hasPrefix("retry:") || ["failed", "timed_out", "lost"].contains(outcome)
            }
            let now = records.breakers[key]
            return RunStatistics.BreakerFigures(
                key: gate.key, failures: gate.failures, windowSeconds: seconds(gate.windowMilliseconds),
                cooldownSeconds: seconds(gate.cooldownMilliseconds), tasks: tasks.count, failedAttempts: failed.count,
                state: now?.state, openUntil: now?.state == "open" ? now?.until : nil)
        }
    }

    func limitFigures() -> [RunStatistics.LimitFigures] {
        var order: [String] = []
        var holders: [String: Set<Int>] = [:]
        for (position, task) in records.tasks.enumerated() {
            for limit in task.limits {
                if holders[limit] == nil { order.append(limit) }
                holders[limit, default: []].insert(position)
            }
        }
        return order.map { limit in
            let members = holders[limit]!
            let attempts = intervals.filter { members.contains($0.task) }
            let held = attempts.map { $0.end - $0.start }.reduce(0, +)
            let size = records.size(ofLimit: limit)
            guard let size, size > 0, wall > 0 else {
                return RunStatistics.LimitFigures(limit: limit, size: size, utilization: nil, fullFraction: nil, parkedSeconds: 0, tasks: members.count)
            }
            let full = RunTimeline.concurrency(attempts.map { ($0.start, $0.end) }).segments.filter { $0.count >= size }
            let fullTime = full.map { $0.end - $0.start }.reduce(0, +)
            // Full time before t, by binary search over the sorted, disjoint full segments and
            // their running total: each attempt's parked time is fullBefore(start) − fullBefore(ready).
            var totals = [0]
            for segment in full { totals.append(totals.last! + segment.end - segment.start) }
            func fullBefore(_ time: Int) -> Int {
                var low = 0, high = full.count
                while low < high {
                    let middle = (low + high) / 2
                    if full[middle].start < time { low = middle + 1 } else { high = middle }
                }
                guard low > 0 else { return 0 }
                let segment = full[low - 1]
                return totals[low - 1] + min(time, segment.end) - segment.start
            }
            let parked = attempts.map { fullBefore($0.start) - fullBefore($0.readyAt) }.reduce(0, +)
            return RunStatistics.LimitFigures(
                limit: limit, size: size, utilization: min(1, Double(held) / (Double(size) * Double(wall))),
                fullFraction: min(1, Double(fullTime) / Double(wall)), parkedSeconds: seconds(parked), tasks: members.count)
        }
    }
}
