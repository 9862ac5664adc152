import QrewCore

/// Times validation + decomposition and plan analysis of random DAG workflows of growing size,
/// so both the absolute figure and the growth (time per step + edge) are visible.
enum CoreBenchmark {
    static let dependenciesPerStep = 3

    static func run(largest: Int) throws -> [BenchmarkFigure] {
        let sizes = [largest / 10, largest / 3, largest].filter { $0 > 0 }
        var figures: [BenchmarkFigure] = []
        for steps in sizes {
            var generator = RandomWorkflowGenerator(seed: 42)
            let workflow = generator.makeWorkflow(stepCount: steps, dependenciesPerStep: dependenciesPerStep)
            let edges = workflow.steps.reduce(0) { $0 + $1.dependsOn.count }
            let clock = ContinuousClock()
            // Best of three, so a scheduler hiccup on a shared 2-core machine does not count.
            var decomposeBest = Duration.seconds(1_000)
            var analyseBest = Duration.seconds(1_000)
            var levels = 0
            for _ in 0..<3 {
                let start = clock.now
                let built = try TaskGraph(workflow: workflow)
                let decomposed = clock.now
                let analysis = PlanAnalysis(graph: built)
                let analysed = clock.now
                decomposeBest = min(decomposeBest, decomposed - start)
                analyseBest = min(analyseBest, analysed - decomposed)
                levels = analysis.levels.count
            }
            let total = decomposeBest + analyseBest
            let perElement = total.seconds * 1e9 / Double(steps + edges)
            figures.append(BenchmarkFigure(
                name: "validate + decompose, \(steps) steps / \(edges) edges", value: decomposeBest.seconds * 1000,
                unit: "ms", note: "\(levels) dependency levels"))
            figures.append(BenchmarkFigure(
                name: "plan analysis, \(steps) steps", value: analyseBest.seconds * 1000, unit: "ms",
                note: "levels, critical path, priority order"))
            figures.append(BenchmarkFigure(
                name: "total per step+edge, \(steps) steps", value: perElement, unit: "ns",
                note: steps == largest ? (total < .seconds(1) ? "target < 1 s: met" : "target < 1 s: MISSED") : ""))
        }
        return figures
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
