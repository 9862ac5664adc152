import ArgumentParser
import Foundation
import QrewCore
import QrewQueue

/// `qctl plan FILE`: the dependency levels, critical path, width, parallelization ratio and
/// claim order of a workflow, as a table or (`--json`) the document of docs/plan-json.md.
/// Step durations come from `--estimates`, else from what the cluster learned from earlier runs
/// of the workflow (read from Redis when it can be reached), for the critical path by duration
/// and the critical-path bonus of each priority.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        _superCommandName: "qctl",
        abstract: "Show how a workflow decomposes and in which order its tasks would run.")

    @OptionGroup var workflow: WorkflowOptions

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print the plan as a stable JSON document.")
    var json = false

    @Option(help: ArgumentHelp(
        "JSON object of step id to expected duration (\"90s\", or seconds), for the critical path by duration; "
            + "without it, the durations learned from earlier runs are read from Redis.",
        valueName: "file"))
    var estimates: String?

    @Flag(help: "Do not read learned durations from Redis.")
    var offline = false

    @Option(help: ArgumentHelp("JSON priority tables replacing the default scoring (docs/workflow-reference.md).", valueName: "file"))
    var scoring: String?

    func run() async throws {
        let intake = RunIntake(priorityTables: try scoring.map(ConfigurationFile.priorityTables) ?? .default)
        var graph: TaskGraph
        do {
            graph = try workflow.prepare(intake: intake).run.graph
        } catch {
            throw ProblemReport.fail(error, file: workflow.file)
        }
        var durations = try estimates.map(ConfigurationFile.durationEstimates)
        if durations == nil, !offline { durations = await learnedDurations(workflowName: graph.workflowName) }
        if let durations {
            // Scored again with the durations, as the coordinator scores a submission.
            do {
                graph = try workflow.prepare(intake: intake, durationEstimates: durations).run.graph
            } catch {
                throw ProblemReport.fail(error, file: workflow.file)
            }
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

    /// The durations the cluster learned for the workflow, or nil (with a note on stderr, so
    /// `--json` output stays a document) when Redis cannot be reached or has none yet.
    private func learnedDurations(workflowName: String) async -> [String: Duration]? {
        do {
            let learned = try await redis.withQueue(connectTimeout: .seconds(1)) { queue in
                try await queue.durationEstimates(workflow: workflowName)
            }
            guard !learned.isEmpty else {
                Console.error("note: no learned step durations for workflow '\(workflowName)' in \(redis.displayURL) yet; "
                    + "the critical path is by step count")
                return nil
            }
            Console.error("note: using step durations learned from earlier runs (\(learned.count) steps, \(redis.displayURL))")
            return learned
        } catch {
            Console.error("note: no learned step durations (\(error)); the critical path is by step count")
            return nil
        }
    }
}
