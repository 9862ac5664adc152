import Foundation

/// The lines a run's shell steps appended (`<run> <task> <attempt> <start|end> <ms>`), per task.
/// A task may have several attempts, and an attempt may even appear twice (at-least-once).
/// Lines of other runs (a schedule's runs share one file) are skipped.
struct SideEffects: Sendable {
    struct Attempts: Sendable {
        /// attempt → wall ms of each `start` line.
        var starts: [Int: [Int]] = [:]
        /// attempt → wall ms of each `end` line.
        var ends: [Int: [Int]] = [:]

        var firstStart: Int? { starts.values.flatMap { $0 }.min() }

        /// The latest `end` of one attempt.
        func lastEnd(ofAttempt attempt: Int) -> Int? { ends[attempt]?.max() }
    }

    private(set) var tasks: [String: Attempts] = [:]
    /// Lines that do not parse (a torn write would show here).
    private(set) var malformed: [String] = []

    init(path: String, runID: String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 5, let attempt = Int(fields[2]), let ms = Int(fields[4]),
                  fields[3] == "start" || fields[3] == "end"
            else {
                malformed.append(String(line))
                continue
            }
            // The runs of one schedule share their workflow's file: each reads its own lines.
            guard fields[0] == runID else { continue }
            let task = String(fields[1])
            if fields[3] == "start" {
                tasks[task, default: Attempts()].starts[attempt, default: []].append(ms)
            } else {
                tasks[task, default: Attempts()].ends[attempt, default: []].append(ms)
            }
        }
    }
}
