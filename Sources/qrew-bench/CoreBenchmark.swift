import Foundation
import QrewCore
import QrewQueue

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
        figures.append(specEncoding(count: 10_000))
        figures.append(specDecoding(count: 10_000))
        figures.append(try singleTaskIntake(runs: 5_000))
        figures += try SigningBenchmark.run(count: 10_000)
        return figures
    }

    /// What a coordinator's intake (or a producer submitting directly) spends on the CPU per
    /// single-task submission of a text it has seen before: `RunIntake.prepare` with the loaded
    /// workflow cached, so graph, task records and signature are what is left.
    static func singleTaskIntake(runs: Int) throws -> BenchmarkFigure {
        var intake = RunIntake(cachingWorkflows: true)
        intake.signer = try SigningBenchmark.signer()
        let clock = ContinuousClock()
        var best = Duration.seconds(1_000)
        for round in 0..<3 {
            let start = clock.now
            for index in 0..<runs {
                _ = try intake.prepare(runID: "r\(round)-\(index)", text: Workloads.single, fileName: "single.yaml", params: [:])
            }
            best = min(best, clock.now - start)
        }
        return BenchmarkFigure(
            name: "intake of a one-step workflow, text seen before", value: best.seconds * 1e6 / Double(runs), unit: "µs",
            note: "RunIntake.prepare per submission, signed, best of 3 × \(runs): on figure (b)'s path")
    }

    /// The task specs of a run of `count` echo tasks, 250 per step.
    static func specs(count: Int) -> [TaskSpec] {
        (0..<count).map { index in
            TaskSpec(runID: "bench", taskID: "part\(index / 250)[i=\(index % 250)]", stepID: "part\(index / 250)",
                     type: "echo", with: ["message": "\(index % 250)"], retry: .default)
        }
    }

    /// Encoding the task specs of a 10,000-task run, as the coordinator's intake does: the
    /// hand-written writer, with Foundation's `JSONEncoder` (what intake used before) as the note.
    static func specEncoding(count: Int) -> BenchmarkFigure {
        let specs = specs(count: count)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let clock = ContinuousClock()
        var handBest = Duration.seconds(1_000)
        var foundationBest = Duration.seconds(1_000)
        var handBytes = 0
        var foundationBytes = 0
        for _ in 0..<3 {
            var start = clock.now
            handBytes = 0
            for spec in specs { handBytes += spec.jsonText.utf8.count }
            handBest = min(handBest, clock.now - start)
            start = clock.now
            foundationBytes = 0
            for spec in specs { foundationBytes += (try? encoder.encode(spec))?.count ?? 0 }
            foundationBest = min(foundationBest, clock.now - start)
        }
        return BenchmarkFigure(
            name: "task spec JSON, \(count) specs", value: handBest.seconds * 1000, unit: "ms",
            note: String(
                format: "JSONEncoder: %.1f ms (%.1f×); %d vs %d bytes/spec", foundationBest.seconds * 1000,
                foundationBest / handBest, handBytes / count, foundationBytes / count))
    }

    /// Decoding the task specs of a 10,000-task run, as workers do when they claim the tasks:
    /// `TaskSpec(jsonText:)`, with Foundation's `JSONDecoder` (what workers used before) as the note.
    static func specDecoding(count: Int) -> BenchmarkFigure {
        let texts = specs(count: count).map(\.jsonText)
        let decoder = JSONDecoder()
        let clock = ContinuousClock()
        var handBest = Duration.seconds(1_000)
        var foundationBest = Duration.seconds(1_000)
        var handRead = 0
        var foundationRead = 0
        for _ in 0..<3 {
            var start = clock.now
            handRead = 0
            for text in texts where (try? TaskSpec(jsonText: text)) != nil { handRead += 1 }
            handBest = min(handBest, clock.now - start)
            start = clock.now
            foundationRead = 0
            for text in texts where (try? decoder.decode(TaskSpec.self, from: Data(text.utf8))) != nil {
                foundationRead += 1
            }
            foundationBest = min(foundationBest, clock.now - start)
        }
        let unread = handRead == count && foundationRead == count ? "" : "; READ ONLY \(handRead) vs \(foundationRead)"
        return BenchmarkFigure(
            name: "task spec JSON decoding, \(count) specs", value: handBest.seconds * 1000, unit: "ms",
            note: String(
                format: "JSONDecoder: %.1f ms (%.1f×); %.2f vs %.2f µs/spec", foundationBest.seconds * 1000,
                foundationBest / handBest, handBest.seconds * 1e6 / Double(count),
                foundationBest.seconds * 1e6 / Double(count)) + unread)
    }
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
