/// The scoring configuration: `score = complexity + kind + min(dependents, cap) + priority`
/// + the critical-path bonus (`PriorityTables+CriticalPath.swift`).
///
/// Configuration rather than constants, so operators can tune what runs first without a rebuild;
/// decoding tolerates missing keys (they keep the default).
public struct PriorityTables: Sendable, Hashable, Codable {
    /// Points per complexity, keyed by `Step.Complexity` raw value.
    public var complexityPoints: [String: Int]
    /// Points per kind, keyed by lower-cased kind; unknown kinds score 0.
    public var kindPoints: [String: Int]
    /// Complexity assumed for steps that declare none. Default `medium` (20): an unannotated step
    /// is ordinary work and should not be starved behind steps explicitly marked simple.
    public var defaultComplexity: Step.Complexity
    /// Upper bound of the bonus for tasks directly waiting on a task.
    public var dependentsBonusCap: Int
    /// Points for the task with the longest remaining path below it; others get their share
    /// (docs/workflow-reference.md *Priority*). Clamped to 0...1000.
    public var criticalPathBonusCap: Int

    /// Creates tables; the defaults are the documented ones.
    public init(
        complexityPoints: [String: Int] = ["meta": 40, "complex": 30, "medium": 20, "simple": 10],
        kindPoints: [String: Int] = ["security": 15, "auth": 15, "database": 12, "api": 8, "tests": -5],
        defaultComplexity: Step.Complexity = .medium,
        dependentsBonusCap: Int = 10,
        criticalPathBonusCap: Int = 10
    ) {
        self.complexityPoints = complexityPoints
        self.kindPoints = kindPoints
        self.defaultComplexity = defaultComplexity
        self.dependentsBonusCap = dependentsBonusCap
        self.criticalPathBonusCap = criticalPathBonusCap
    }

    /// meta 40, complex 30, medium 20, simple 10; security/auth 15, database 12, api 8, tests −5;
    /// dependents bonus capped at 10; critical-path bonus up to 10; unannotated steps count as medium.
    public static let `default` = PriorityTables()

    /// Decodes a partial table; absent keys keep the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let fallback = PriorityTables.default
        complexityPoints = try container.decodeIfPresent([String: Int].self, forKey: .complexityPoints) ?? fallback.complexityPoints
        kindPoints = try container.decodeIfPresent([String: Int].self, forKey: .kindPoints) ?? fallback.kindPoints
        defaultComplexity = try container.decodeIfPresent(Step.Complexity.self, forKey: .defaultComplexity) ?? fallback.defaultComplexity
        dependentsBonusCap = try container.decodeIfPresent(Int.self, forKey: .dependentsBonusCap) ?? fallback.dependentsBonusCap
        criticalPathBonusCap = try container.decodeIfPresent(Int.self, forKey: .criticalPathBonusCap) ?? fallback.criticalPathBonusCap
    }

    /// The score of one task of `step` with `dependents` tasks directly waiting on it, within
    /// `NumericBounds.score` whatever the tables and the step say (the sum saturates, so no
    /// table or priority can trap).
    public func score(for step: Step, dependents: Int) -> Int {
        let complexity = complexityPoints[(step.complexity ?? defaultComplexity).rawValue] ?? 0
        let kind = step.kind.map { kindPoints[$0.lowercased()] ?? 0 } ?? 0
        let bonus = min(max(dependents, 0), max(dependentsBonusCap, 0))
        let sum = [complexity, kind, bonus, step.priority].reduce(0) { total, points in
            let (result, overflow) = total.addingReportingOverflow(points)
            return overflow ? (points < 0 ? Int.min : Int.max) : result
        }
        return NumericBounds.clamp(sum, to: NumericBounds.score)
    }
}
