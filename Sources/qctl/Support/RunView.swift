import QrewInspect
import Foundation
import QrewCore
import QrewQueue

/// Turns a run's progress events into what a person reads: one line per step state change and
/// the steps' output lines prefixed with the task id. On a terminal it also keeps a progress bar
/// with counts per state redrawn in place at the bottom; elsewhere it writes plain lines only.
struct RunView {
    /// How the view writes.
    enum Mode {
        /// A terminal: colors, a progress bar redrawn in place.
        case interactive(color: Bool)
        /// A pipe or file: plain lines, no ANSI, no redraws.
        case plain
        /// Nothing at all (`submit --wait`).
        case silent
    }

    let mode: Mode
    private(set) var total: Int
    private var states: [String: String] = [:]
    private var startedAt: [String: Int] = [:]
    private var firstEventAt: Int?
    private var barShown = false
    /// The latest ETA (`RunFollower.Update.eta`), shown in the bar; and the finish time a plain
    /// view last printed.
    private var eta: String?
    private var printedFinish: Int?

    init(mode: Mode, total: Int) {
        self.mode = mode
        self.total = total
    }

    /// The mode for stdout: interactive on a terminal, plain otherwise.
    static func standardMode() -> Mode {
        Terminal.isInteractive ? .interactive(color: Terminal.usesColor) : .plain
    }

    mutating func handle(_ entry: StreamEntry) {
        let fields = entry.fields
        // An event of a child run (RunFollower): its tasks count towards the bar; its end is
        // told by its step's own end.
        if fields["child"] != nil {
            switch fields["type"] {
            case "run_queued":
                total += Int(fields["total"] ?? "") ?? 0
                return
            case "run_finished", "run_retried":
                return
            default:
                break
            }
        }
        let ts = Int(fields["ts"] ?? "") ?? 0
        if firstEventAt == nil { firstEventAt = ts }
        let task = fields["task"] ?? "?"
        for output in entry.outputLines {
            for line in output.lines { emitOutput(task: task, line: line, stderr: output.stream == "stderr") }
        }
        switch fields["type"] {
        case "run_queued":
            if let count = Int(fields["total"] ?? "") { total = count }
            emit(ts, "●", .blue, "run \(fields["run"] ?? "") queued: \(total) task\(total == 1 ? "" : "s")")
        case "task_started":
            states[task] = "running"
            startedAt[task] = ts
            emit(ts, "▶", .cyan, "\(task) started on \(fields["worker"] ?? "?") (attempt \(fields["attempt"] ?? "?"))")
        case "task_retrying":
            states[task] = "ready"
            let outcome = switch fields["outcome"] {
            case "timed_out": "timed out"
            case "lost": Self.wentSilent(fields) ? "went silent" : "lost its worker"
            default: "failed"
            }
            var text = "\(task) retrying: attempt \(fields["attempt"] ?? "?") \(outcome)"
            if let error = fields["error"], !error.isEmpty { text += " (\(TextTable.truncated(error, limit: 200)))" }
            if let due = Int(fields["retryAt"] ?? "") { text += "; next attempt at \(Timestamp.clock(milliseconds: due))" }
            emit(ts, "↻", .yellow, text)
        case "task_waiting":
            states[task] = "ready"
            let what = switch fields["for"] {
            case "event": "waiting for event \(fields["event"] ?? "?")"
            case "sleep": "sleeping until \(Int(fields["until"] ?? "").map { Timestamp.clock(milliseconds: $0) } ?? "?")"
            default: "waiting for approval"
            }
            emit(ts, "⏸", .yellow, "\(task) \(what)")
        case "task_progress":
            let percent = fields["percent"].map { "\($0)%" }
            let message = fields["message"].map { TextTable.truncated($0, limit: 200) }
            emit(ts, "…", .dim, "\(task) \([percent, message].compactMap { $0 }.joined(separator: " "))")
        case "worker_throttled":
            emit(ts, "⇅", .yellow,
                 "worker \(fields["worker"] ?? "?") slots \(fields["from"] ?? "?") -> \(fields["to"] ?? "?"): \(fields["reason"] ?? "")")
        case "task_finished":
            finish(task: task, fields: fields, ts: ts)
        case "task_child_started":
            states[task] = "running"
            emit(ts, "↳", .cyan, "\(task) running child run \(fields["childRun"] ?? "?")")
        case "task_expanded":
            let count = Int(fields["tasks"] ?? "") ?? 0
            total += count
            states[task] = "expanded"
            emit(ts, "⑂", .cyan, "\(task) fanned out into \(count) task\(count == 1 ? "" : "s")")
        case "run_finished":
            let state = fields["state"] ?? "failed"
            var text = "run \(fields["run"] ?? "") \(state)"
            if let start = firstEventAt, ts > start { text += " in \(Timestamp.duration(milliseconds: ts - start))" }
            text += " (\(summary))"
            if let error = fields["error"], !error.isEmpty { text += ":\n" + error }
            let (symbol, color) = Self.symbol(for: state)
            emit(ts, symbol, color, text)
        default:
            break
        }
    }

    /// Shows a fresh ETA: in the bar on a terminal; elsewhere as a line, when it is the first or
    /// its finish time moved by more than 5 s and a fifth of the time left since the last one printed.
    mutating func show(_ estimate: RunStatistics.ETA, now: Int) {
        let remaining = Int((estimate.remainingSeconds * 1000).rounded())
        let unknown = remaining == 0 && !estimate.unestimatedSteps.isEmpty
        let steps = estimate.unestimatedSteps.prefix(5).joined(separator: ", ") + (estimate.unestimatedSteps.count > 5 ? ", ..." : "")
        let unpriced = estimate.unestimatedSteps.isEmpty ? "" : " (no duration known yet for \(steps))"
        eta = unknown ? "ETA unknown yet" : "ETA ~\(Timestamp.duration(milliseconds: remaining))"
        switch mode {
        case .silent:
            return
        case .interactive(let useColor):
            write((barShown ? "\r\u{1B}[2K" : "") + bar(useColor), terminator: "")
            barShown = true
        case .plain:
            // The finish time, not the time left (which counts down by itself), decides.
            if let printed = printedFinish, abs(printed - estimate.at) <= max(5000, remaining / 5) { return }
            printedFinish = estimate.at
            emit(now, "⌛", .dim, unknown ? "ETA: unknown yet\(unpriced)" : "ETA: about \(Timestamp.duration(milliseconds: remaining)) left\(unpriced)")
        }
    }

    /// Whether a `lost` outcome was a worker killing a silent task (`heartbeatTimeout`) rather
    /// than a worker that vanished.
    private static func wentSilent(_ fields: [String: String]) -> Bool {
        (fields["error"] ?? "").hasPrefix("heartbeat timeout")
    }

    /// Removes the progress bar, so the last thing on screen is the run's final line.
    mutating func close() {
        guard barShown else { return }
        write("\r\u{1B}[2K", terminator: "")
        barShown = false
    }

    private mutating func finish(task: String, fields: [String: String], ts: Int) {
        let state = fields["state"] ?? "failed"
        states[task] = state
        let took = startedAt[task].map { " in \(Timestamp.duration(milliseconds: ts - $0))" } ?? ""
        let error = fields["error"].flatMap { $0.isEmpty ? nil : TextTable.truncated($0, limit: 300) }
        let exit = fields["exitCode"].flatMap { $0.isEmpty ? nil : "exit code \($0)" }
        let (symbol, color) = Self.symbol(for: state)
        switch state {
        case "succeeded" where fields["cached"] == "true":
            let source = fields["cacheSource"].map { " of \($0)" } ?? ""
            let similarity = fields["cacheScore"].map { ", similarity \($0)" } ?? ""
            emit(ts, symbol, color, "\(task) succeeded from the result cache (reused the result\(source)\(similarity))")
        case "succeeded" where fields["decidedBy"] != nil:
            emit(ts, symbol, color, "\(task) approved by \(fields["decidedBy"] ?? "?")")
        case "succeeded" where fields["signal"] != nil:
            emit(ts, symbol, color, "\(task) received event \(fields["signal"] ?? "?")")
        case "succeeded": emit(ts, symbol, color, "\(task) succeeded\(took)")
        case "failed": emit(ts, symbol, color, "\(task) failed\(took): \(error ?? exit ?? "no reason given")")
        case "timed_out": emit(ts, symbol, color, "\(task) timed out\(took)\(error.map { ": \($0)" } ?? "")")
        case "lost":
            let what = Self.wentSilent(fields) ? "went silent" : "lost its worker"
            emit(ts, symbol, color, "\(task) \(what)\(took)\(error.map { ": \($0)" } ?? "")")
        case "skipped": emit(ts, symbol, color, "\(task) skipped\(error.map { ": \($0)" } ?? "")")
        case "canceled": emit(ts, symbol, color, "\(task) canceled\(error.map { " (\($0))" } ?? "")")
        default: emit(ts, symbol, color, "\(task) \(state)")
        }
    }

    private static func symbol(for state: String) -> (String, Color) {
        switch state {
        case "succeeded": ("✔", .green)
        case "failed", "timed_out", "lost": ("✘", .red)
        case "skipped": ("⊘", .dim)
        case "canceled": ("■", .dim)
        default: ("•", .dim)
        }
    }

    /// Counts per state, e.g. `3 succeeded, 1 failed, 2 running, 4 pending`.
    var summary: String {
        var counts: [String: Int] = [:]
        for state in states.values { counts[state, default: 0] += 1 }
        let order = ["succeeded", "failed", "timed_out", "lost", "skipped", "canceled", "running"]
        var parts = order.compactMap { state in counts[state].map { "\($0) \(state.replacingOccurrences(of: "_", with: " "))" } }
        let pending = total - states.values.filter { $0 != "ready" }.count
        if pending > 0 { parts.append("\(pending) pending") }
        return parts.isEmpty ? "no tasks" : parts.joined(separator: ", ")
    }

    /// Tasks that reached a final state.
    private var doneCount: Int {
        states.values.filter { ["succeeded", "failed", "timed_out", "lost", "skipped", "canceled"].contains($0) }.count
    }

    private mutating func emit(_ ts: Int, _ symbol: String, _ color: Color, _ text: String) {
        switch mode {
        case .silent: return
        case .plain: write("\(Timestamp.clock(milliseconds: ts)) \(symbol) \(text)")
        case .interactive(let useColor):
            let clock = Self.paint(Timestamp.clock(milliseconds: ts), .dim, useColor)
            writeAboveBar("\(clock) \(Self.paint(symbol, color, useColor)) \(text)")
        }
    }

    private mutating func emitOutput(task: String, line: String, stderr: Bool) {
        switch mode {
        case .silent: return
        case .plain: write("\(task) | \(line)")
        case .interactive(let useColor):
            let prefix = Self.paint("\(task) |", stderr ? .yellow : .dim, useColor)
            writeAboveBar("\(prefix) \(line)")
        }
    }

    /// Clears the bar, writes the line, and draws the bar again below it.
    private mutating func writeAboveBar(_ line: String) {
        guard case .interactive(let useColor) = mode else { return }
        var text = barShown ? "\r\u{1B}[2K" : ""
        text += line + "\n" + bar(useColor)
        write(text, terminator: "")
        barShown = true
    }

    private func bar(_ useColor: Bool) -> String {
        let width = 24
        let done = doneCount
        let filled = total > 0 ? min(width, done * width / total) : 0
        let counts = Dictionary(grouping: states.values, by: { $0 }).mapValues(\.count)
        var text = "[" + Self.paint(String(repeating: "█", count: filled), .green, useColor)
            + String(repeating: "░", count: width - filled) + "] \(done)/\(total)"
        let parts: [(String, String, Color)] = [
            ("running", "▶", .cyan), ("succeeded", "✔", .green), ("failed", "✘", .red), ("timed_out", "⏱", .red),
            ("lost", "✘", .red), ("skipped", "⊘", .dim), ("canceled", "■", .dim),
        ]
        for (state, symbol, color) in parts {
            if let count = counts[state], count > 0 { text += "  " + Self.paint("\(symbol) \(count)", color, useColor) }
        }
        if let eta { text += "  " + Self.paint(eta, .dim, useColor) }
        return text
    }

    private func write(_ text: String, terminator: String = "\n") {
        Console.out(text, terminator: terminator)
    }

    /// ANSI colors of the interactive view.
    enum Color: String {
        case green = "32", red = "31", yellow = "33", cyan = "36", blue = "34", dim = "2"
    }

    private static func paint(_ text: String, _ color: Color, _ enabled: Bool) -> String {
        enabled ? "\u{1B}[\(color.rawValue)m\(text)\u{1B}[0m" : text
    }
}
