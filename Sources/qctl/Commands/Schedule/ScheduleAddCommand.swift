import QrewInspect
import ArgumentParser
import Foundation
import QrewCore

/// `qctl schedule add NAME FILE`: validates the workflow as `submit` does and stores it with its
/// schedule (`--cron`, or the file's `schedule:`); the leading coordinator then submits a run
/// at every tick.
struct ScheduleAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Validate a workflow and submit it on a cron schedule.",
        discussion: """
            The schedule comes from --cron (with --timezone, --catch-up, --overlap) or, without --cron, from the \
            workflow's `schedule:`. Each tick's run is named <name>-<yyyyMMdd-HHmm> (the tick in UTC).
            """)

    @OptionGroup var scheduleName: ScheduleNameArgument
    @OptionGroup var workflow: WorkflowOptions
    @OptionGroup var redis: RedisOptions

    @Option(help: ArgumentHelp("Five-field cron expression (minute hour day-of-month month day-of-week) or @daily, @hourly, ...", valueName: "expression"))
    var cron: String?

    @Option(help: ArgumentHelp("IANA time zone the expression is read in (default: the file's, else UTC).", valueName: "zone"))
    var timezone: String?

    @Option(help: ArgumentHelp("Ticks missed while no coordinator ran: none, one or all.", valueName: "policy"))
    var catchUp: String?

    @Option(help: ArgumentHelp("A tick while the previous run is unfinished: allow, skip or cancelPrevious.", valueName: "policy"))
    var overlap: String?

    @Flag(help: "Replace a schedule of the same name instead of failing.")
    var replace = false

    func validate() throws {
        if let catchUp, ScheduleSpec.CatchUp(rawValue: catchUp) == nil {
            throw ValidationError("--catch-up '\(catchUp)': use none, one or all")
        }
        if let overlap, ScheduleSpec.Overlap(rawValue: overlap) == nil {
            throw ValidationError("--overlap '\(overlap)': use allow, skip or cancelPrevious")
        }
    }

    /// The schedule from the flags over the file's `schedule:`; fails when there is neither.
    func resolvedSpec(fileSchedule: ScheduleSpec?) throws -> ScheduleSpec {
        guard var spec = cron.map({ ScheduleSpec(cron: $0, timeZone: fileSchedule?.timeZone ?? "UTC") }) ?? fileSchedule else {
            throw CommandFailure("""
                \(workflow.file) has no `schedule:` and no --cron was given: \
                add --cron "0 2 * * *" (02:00 every day) or `schedule: { cron: "0 2 * * *" }` to the workflow
                """)
        }
        if cron != nil, let fileSchedule {
            spec.catchUp = fileSchedule.catchUp
            spec.overlap = fileSchedule.overlap
        }
        if let timezone { spec.timeZone = timezone }
        if let catchUp { spec.catchUp = ScheduleSpec.CatchUp(rawValue: catchUp) ?? spec.catchUp }
        if let overlap { spec.overlap = ScheduleSpec.Overlap(rawValue: overlap) ?? spec.overlap }
        do {
            _ = try spec.validated()
        } catch {
            throw CommandFailure("--cron \"\(spec.cron)\": \(error)")
        }
        return spec
    }

    func run() async throws {
        let (text, loaded) = try Submission.validated(workflow)
        let spec = try resolvedSpec(fileSchedule: loaded.schedule)
        let name = scheduleName.name
        try await redis.withQueue { queue in
            let stored = try await queue.addSchedule(
                name: name, spec: spec, fileName: workflow.file, workflow: text, params: workflow.overrides, replace: replace,
                files: workflow.includedFiles(text: text))
            guard stored else {
                throw CommandFailure("a schedule named '\(name)' exists in namespace '\(redis.resolvedNamespace)'; add --replace to replace it, or `qctl schedule remove \(name)` first")
            }
            let (expression, zone) = try spec.validated()
            let next = expression.nextTick(after: Date(), in: zone)
            Console.out("""
                scheduled '\(name)': \(spec.cron) (\(spec.timeZone)), catchUp \(spec.catchUp.rawValue), overlap \(spec.overlap.rawValue); \
                next tick \(next.map { Timestamp.rfc3339(milliseconds: Int($0.timeIntervalSince1970 * 1000)) } ?? "never")
                """)
        }
    }
}
