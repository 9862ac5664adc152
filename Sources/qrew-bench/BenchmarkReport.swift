import Foundation

/// Formats benchmark figures for the terminal and for `docs/benchmarks.md`.
enum BenchmarkReport {
    /// One titled group of Qrew's figures, in the order they were measured.
    typealias Section = (title: String, figures: [BenchmarkFigure])

    /// Opens the current table in `docs/benchmarks.md`; everything up to `currentEnd` is replaced by the next run.
    static let currentBegin = "<!-- make bench: the current table; the next run replaces it and moves it under History -->"
    static let currentEnd = "<!-- make bench: end of the current table -->"
    /// Under the History heading: where a replaced current table goes, newest first.
    static let historyMark = "<!-- make bench: earlier current tables go here, newest first -->"
    private static let currentHeading = "## Current figures — "

    /// An aligned plain-text table.
    static func table(title: String, figures: [BenchmarkFigure]) -> String {
        let rows = figures.map { [$0.name, format($0.value), $0.unit, $0.note] }
        let header = ["measure", "value", "unit", "note"]
        let widths = (0..<4).map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).enumerated().map { index, pair in
                index == 1 ? String(repeating: " ", count: pair.1 - pair.0.count) + pair.0
                    : pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([title, line(header)] + rows.map(line)).joined(separator: "\n") + "\n"
    }

    /// The current table of one run: every figure of `sections` (whatever figures the run took),
    /// with the peers' figure of the same key beside Qrew's (one column per framework found) and
    /// the baseline binaries' medians where `baseline` measured that key; the last column says
    /// how many times better Qrew is than each (more per second, or less time, CPU or memory).
    static func currentTable(
        sections: [Section], peers: [BenchmarkFigure], baseline: BaselineComparison.Result?, machine: String, date: Date = Date()
    ) -> String {
        var peerNames: [String] = []
        for figure in peers {
            if let peer = figure.peer, !peerNames.contains(peer) { peerNames.append(peer) }
        }
        let baselineColumn = baseline.map { !$0.baseline.isEmpty } ?? false
        var header = ["figure", "unit", "Qrew"] + peerNames
        if baselineColumn { header.append("baseline binaries") }
        header += ["Qrew is", "note"]
        var text = "\(currentBegin)\n\(currentHeading)\(iso8601(date)), \(machine)\n\n"
        text += "`make bench` (`qrew-bench --append docs/benchmarks.md`) wrote this table; each run replaces it and moves it under "
            + "History. *Qrew is N× X*: N times better than X (more per second, or less time, CPU or memory); below 1 is worse.\n\n"
        text += "| " + header.joined(separator: " | ") + " |\n"
        text += "| --- | --- | " + Array(repeating: "---:", count: header.count - 4).joined(separator: " | ") + " | --- | --- |\n"
        var matchedPeers = Set<Int>()
        for section in sections where !section.figures.isEmpty {
            text += "| **\(escaped(section.title))** |" + String(repeating: " |", count: header.count - 1) + "\n"
            for figure in section.figures {
                var cells = [escaped(figure.name), figure.unit, format(figure.value)]
                var comparisons: [String] = []
                for name in peerNames {
                    let key = figure.peerKey ?? figure.key
                    let index = peers.indices.first { peers[$0].peer == name && key != nil && peers[$0].key == key }
                    if let index {
                        matchedPeers.insert(index)
                        cells.append(format(peers[index].value))
                        comparisons.append("\(ratio(figure, over: peers[index])) \(name)")
                    } else {
                        cells.append("")
                    }
                }
                if baselineColumn, let baseline {
                    if let key = figure.key, let before = baseline.baseline.first(where: { $0.key == key }),
                       let now = baseline.current.first(where: { $0.key == key }) {
                        cells.append(format(before.value))
                        comparisons.append("\(ratio(now, over: before)) baseline (alternating medians \(format(now.value)) vs \(format(before.value)))")
                    } else {
                        cells.append("")
                    }
                }
                cells += [comparisons.joined(separator: "; "), escaped(figure.note)]
                text += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        let unmatched = peers.indices.filter { !matchedPeers.contains($0) }
        if !unmatched.isEmpty {
            text += "| **Peers' figures Qrew did not take in this run** |" + String(repeating: " |", count: header.count - 1) + "\n"
            for index in unmatched {
                let figure = peers[index]
                var cells = [escaped(figure.name), figure.unit, ""]
                cells += peerNames.map { $0 == figure.peer ? format(figure.value) : "" }
                if baselineColumn { cells.append("") }
                cells += ["", escaped(figure.note)]
                text += "| " + cells.joined(separator: " | ") + " |\n"
            }
        }
        return text + "\(currentEnd)\n"
    }

    /// `document` (the text of docs/benchmarks.md, nil when it does not exist yet) with `current`
    /// as its current table: the one it had moves under History as a dated section, newest first,
    /// and everything else is kept. A document from before current tables keeps its whole text
    /// under a new History heading.
    static func replacingCurrentTable(in document: String?, with current: String) -> String {
        let title = "# Benchmark results\n\n"
        let intro = "The current table is the last `make bench` run; History keeps the tables before it (newest first) "
            + "and the notes of each performance pass.\n\n"
        let historyHeading = "## History\n\n\(historyMark)\n"
        guard let document, let begin = document.range(of: currentBegin),
              let end = document.range(of: currentEnd, range: begin.upperBound..<document.endIndex)
        else {
            var rest = document ?? ""
            for line in ["# Benchmark results", "Appended by `make bench`; newest last."] {
                if rest.hasPrefix(line) { rest = String(rest.dropFirst(line.count)) }
                while rest.hasPrefix("\n") { rest.removeFirst() }
            }
            return title + intro + current + "\n" + historyHeading + (rest.isEmpty ? "" : "\n" + rest)
        }
        let previous = String(document[begin.upperBound..<end.lowerBound]).trimmingCharacters(in: .newlines)
            .replacingOccurrences(of: currentHeading, with: "## ")
        let before = String(document[..<begin.lowerBound])
        var after = "\n" + String(document[end.upperBound...]).drop { $0 == "\n" }
        if let mark = after.range(of: historyMark) {
            after.insert(contentsOf: "\n\n" + previous, at: mark.upperBound)
        } else {
            after += "\n" + historyHeading + "\n" + previous + "\n"
        }
        return before + current + after
    }

    /// Writes `current` into the file at `path` as `replacingCurrentTable` describes.
    static func writeCurrentTable(_ current: String, to path: String) throws {
        let existing = FileManager.default.fileExists(atPath: path) ? try String(contentsOfFile: path, encoding: .utf8) : nil
        try replacingCurrentTable(in: existing, with: current).write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func format(_ value: Double) -> String {
        if value >= 1000 { return String(Int(value.rounded())) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.3f", value)
    }

    /// "2.4×": how many times better `figure` is than `other` (a rate's quotient, or a cost's inverse).
    private static func ratio(_ figure: BenchmarkFigure, over other: BenchmarkFigure) -> String {
        let factor = figure.higherIsBetter ? figure.value / other.value : other.value / figure.value
        guard factor.isFinite else { return "–" }
        return String(format: factor >= 10 ? "%.0f×" : "%.2f×", factor)
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }

    private static func iso8601(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
