import ArgumentParser
import Foundation
import QrewCore
import QrewQueue

/// `qctl plan FILE`: the dependency levels, critical path, width, parallelization ratio and
/// claim order of a workflow, as a table or (`--json`) the document of docs/plan-json.md.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show how a workflow decomposes and in which order its tasks would run.")

    @OptionGroup var workflow: WorkflowOptions

    @Flag(help: "Print the plan as a stable JSON document.")
    var json = false

    @Option(help: ArgumentHelp(
        "JSON object of step id to expected duration (\"90s\", or seconds), for the critical path by duration.",
        valueName: "file"))
    var estimates: String?

    @Option(help: ArgumentHelp("JSON priority tables replacing the default scoring (docs/workflow-reference.md).", valueName: "file"))
    var scoring: String?

    func run() throws {
        let tables = try scoring.map(ConfigurationFile.priorityTables) ?? .default
        let durations = try estimates.map(ConfigurationFile.durationEstimates)
        let graph: TaskGraph
        do {
            graph = try workflow.prepare(intake: RunIntake(priorityTables: tables)).run.graph
        } catch {
            throw ProblemReport.fail(error, file: workflow.file)
        }
        let report = PlanReport(graph: graph, analysis: PlanAnalysis(graph: graph, durationEstimates: durations))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(PlanTable.render(report))
        }
    }
}
