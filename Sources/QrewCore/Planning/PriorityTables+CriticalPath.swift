/// The critical-path part of the score: a task with more work below it (a longer chain of
/// dependents still to run after it) starts earlier, which shortens the run's makespan (the
/// classic critical-path list-scheduling heuristic).
///
/// `remaining(t)` is the length of the longest chain of dependents below task `t`, not counting
/// `t` itself: the maximum over its dependents `d` of `weight(d) + remaining(d)`, 0 for a task
/// nothing waits on. A task's weight is its step's estimated duration (ms) when estimates are
/// given, else 1 (the path is counted in steps). With estimates, a step without one weighs the
/// mean of the workflow's known estimates, so a new step neither dominates nor vanishes.
/// The bonus is `round(cap · remaining(t) / max remaining)`, in `0...cap`: the head of the
/// run's critical path gets the full cap, a leaf 0, and the bonus never grows down a chain.
extension PriorityTables {
    /// The largest `criticalPathBonusCap` used, so no table can push scores far.
    static let criticalPathBonusLimit = 1000

    /// The score of `step` (`score(for:dependents:)`) plus a critical-path bonus, within
    /// `NumericBounds.score`.
    func score(for step: Step, dependents: Int, criticalPathBonus: Int) -> Int {
        let (sum, overflow) = score(for: step, dependents: dependents).addingReportingOverflow(criticalPathBonus)
        return overflow ? NumericBounds.score.upperBound : NumericBounds.clamp(sum, to: NumericBounds.score)
    }

    /// Each task's critical-path bonus, by task index.
    /// - Parameters:
    ///   - dependents: task → tasks waiting on it (acyclic).
    ///   - weights: each task's weight (`CriticalPath.weights`).
    func criticalPathBonuses(dependents: AdjacencyList, weights: [Int64]) -> [Int] {
        let remaining = CriticalPath.remaining(dependents: dependents, weights: weights)
        let cap = Int64(NumericBounds.clamp(criticalPathBonusCap, to: 0...Self.criticalPathBonusLimit))
        let longest = remaining.max() ?? 0
        guard longest > 0, cap > 0 else { return [Int](repeating: 0, count: remaining.count) }
        // Rounded half up, in doubles: remaining ≤ longest, so the result is within 0...cap.
        return remaining.map { Int((Double(cap) * Double($0) / Double(longest)).rounded(.toNearestOrAwayFromZero)) }
    }
}

/// Longest remaining paths of a task graph (see `PriorityTables.criticalPathBonuses`).
enum CriticalPath {
    /// The heaviest weight counted per task: a year in ms, so a chain of any length stays far
    /// from overflowing.
    static let maximumWeight: Int64 = 365 * 86_400_000

    /// Task weights for `stepIDs` (the step of each task): estimated ms where `estimates` has the
    /// step, the mean estimate of the steps that have one where it does not; 1 each when no step
    /// has an estimate.
    static func weights(stepIDs: [String], estimates: [String: Duration]) -> [Int64] {
        let known = Set(stepIDs).compactMap { estimates[$0] }.map(milliseconds)
        guard !known.isEmpty else { return [Int64](repeating: 1, count: stepIDs.count) }
        let mean = known.reduce(0, +) / Int64(known.count)
        return stepIDs.map { estimates[$0].map(milliseconds) ?? mean }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 0 }
        guard seconds < maximumWeight / 1000 else { return maximumWeight }
        return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// `remaining(t)` for every task: the heaviest chain of dependents below it, itself excluded.
    static func remaining(dependents: AdjacencyList, weights: [Int64]) -> [Int64] {
        let count = dependents.nodeCount
        // Reverse topological order: a task after all of its dependents (Kahn on out-degrees).
        var waiting = (0..<count).map { dependents.degree(of: $0) }
        let dependencies = dependents.reversed()
        var order = (0..<count).filter { waiting[$0] == 0 }
        order.reserveCapacity(count)
        var head = 0
        while head < order.count {
            let task = order[head]
            head += 1
            for dependency in dependencies.neighbors(of: task) {
                waiting[dependency] -= 1
                if waiting[dependency] == 0 { order.append(dependency) }
            }
        }
        var remaining = [Int64](repeating: 0, count: count)
        for task in order {
            for dependent in dependents.neighbors(of: task) {
                remaining[task] = max(remaining[task], min(weights[dependent], maximumWeight) + remaining[dependent])
            }
        }
        return remaining
    }
}
