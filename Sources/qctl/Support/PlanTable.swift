import Foundation
import QrewCore

/// Renders a `PlanReport` as a readable summary plus one table row per task in claim order; a
/// last column notes what is decided at run time (a dynamic fan-out, an `if:`, a wait).
enum PlanTable {
    static func render(_ report: PlanReport) -> String {
        var lines: [String] = []
        lines.append("workflow \(report.name): \(report.taskCount) tasks in \(report.levels.count) levels")
        let fanOuts = report.tasks.filter { $0.fanOut != nil }.count
        if fanOuts > 0 {
            lines.append("\(fanOuts) dynamic fan-out(s) count as one task each here; they expand at run time")
        }
        lines.append("width \(report.width), parallelization ratio \(String(format: "%.2f", report.parallelizationRatio))")
        lines.append("critical path (\(report.criticalPath.count) tasks): \(report.criticalPath.joined(separator: " -> "))")
        if let byDuration = report.criticalPathByDuration, let seconds = report.criticalPathDuration {
            lines.append("critical path by duration (\(String(format: "%.1f", seconds))s): \(byDuration.joined(separator: " -> "))")
        }
        lines.append("")
        lines.append("levels")
        for (index, level) in report.levels.enumerated() {
            lines.append("  \(index + 1). \(level.joined(separator: ", "))")
        }
        lines.append("")
        let byID = Dictionary(report.tasks.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let rows = report.priorityOrder.enumerated().compactMap { order, id -> [String]? in
            guard let task = byID[id] else { return nil }
            return ["\(order + 1)", task.id, "\(task.priority)", "\(task.level + 1)", task.dependsOn.joined(separator: ", "), notes(task)]
        }
        lines.append(contentsOf: TextTable.render(header: ["#", "task", "priority", "level", "depends on", "at run time"], rows: rows))
        return lines.joined(separator: "\n")
    }

    /// What is decided while the run goes, for the last column ("" for a plain task).
    static func notes(_ task: PlanReport.Task) -> String {
        var notes: [String] = []
        if let fanOut = task.fanOut {
            notes.append("dynamic fan-out: one task per element of \(fanOut.over) (matrix.\(fanOut.key))")
        }
        if let waits = task.waitsFor {
            switch waits.kind {
            case "approval":
                let who = waits.approvers ?? []
                notes.append("waits for approval" + (who.isEmpty ? "" : " (approvers: \(who.joined(separator: ", ")))"))
            case "event": notes.append("waits for event \(waits.event ?? "?")")
            default: notes.append("waits \(waits.seconds.map { String(format: "%gs", $0) } ?? "?")")
            }
        }
        if let condition = task.condition { notes.append("if: \(condition)") }
        return notes.joined(separator: "; ")
    }
}
