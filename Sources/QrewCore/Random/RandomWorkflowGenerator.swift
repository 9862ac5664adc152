/// Produces random but valid DAG workflows from a seed, for property tests and benchmarks.
///
/// Step `i` depends on up to `dependenciesPerStep` distinct earlier steps, so the result is
/// always acyclic; complexity, kind and priority are random so scoring has something to do.
public struct RandomWorkflowGenerator: Sendable {
    private var generator: SplitMix64

    /// Kinds drawn for steps (some score, some do not).
    static let kinds = ["security", "auth", "database", "api", "tests", "build", "docs"]

    /// Creates a generator; equal seeds give equal workflows.
    public init(seed: UInt64) {
        generator = SplitMix64(seed: seed)
    }

    /// A workflow named `random-<steps>` with `stepCount` shell steps `s0`, `s1`, ...
    ///
    /// - Parameters:
    ///   - stepCount: Number of steps.
    ///   - dependenciesPerStep: Dependencies per step on earlier steps (fewer for the first ones).
    ///   - locality: When positive, dependencies are drawn from the previous `locality` steps,
    ///     which makes deeper graphs; 0 draws from all earlier steps.
    public mutating func makeWorkflow(stepCount: Int, dependenciesPerStep: Int, locality: Int = 0) -> Workflow {
        var steps: [Step] = []
        steps.reserveCapacity(max(stepCount, 0))
        let complexities = Step.Complexity.allCases
        for index in 0..<max(stepCount, 0) {
            let lowest = locality > 0 ? max(0, index - locality) : 0
            let available = index - lowest
            let wanted = min(max(dependenciesPerStep, 0), available)
            var chosen: [Int] = []
            chosen.reserveCapacity(wanted)
            while chosen.count < wanted {
                let candidate = Int.random(in: lowest..<index, using: &generator)
                if !chosen.contains(candidate) { chosen.append(candidate) }
            }
            steps.append(Step(
                id: "s\(index)",
                run: ["true"],
                complexity: complexities.randomElement(using: &generator),
                kind: Self.kinds.randomElement(using: &generator),
                priority: Int.random(in: -5...5, using: &generator),
                dependsOn: chosen.map { "s\($0)" }
            ))
        }
        return Workflow(name: "random-\(stepCount)", steps: steps)
    }
}
