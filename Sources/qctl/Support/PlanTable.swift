import Foundation
import QrewCore

/// Renders a `PlanReport` as a readable summary plus one table row per task in claim order.
enum PlanTable {
    static func render(_ report: PlanReport) -> String {
        var lines: [String] = []
        lines.append("workflow \(report.name): \(report.taskCount) tasks in \(report.levels.count) levels")
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
            return ["\(order + 1)", task.id, "\(task.priority)", "\(task.level + 1)", task.dependsOn.joined(separator: ", ")]
        }
        lines.append(contentsOf: TextTable.render(header: ["#", "task", "priority", "level", "depends on"], rows: rows))
        return lines.joined(separator: "\n")
    }
}
