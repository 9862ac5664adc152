import Foundation

/// Formats benchmark figures for the terminal and for `docs/benchmarks.md`.
enum BenchmarkReport {
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

    /// A markdown section with the date, the machine and one table per section.
    static func markdown(sections: [(title: String, figures: [BenchmarkFigure])], machine: String) -> String {
        var text = "\n## \(ISO8601DateFormatter().string(from: Date())) — \(machine)\n"
        for section in sections {
            text += "\n### \(section.title)\n\n| measure | value | unit | note |\n| --- | ---: | --- | --- |\n"
            for figure in section.figures {
                text += "| \(figure.name) | \(format(figure.value)) | \(figure.unit) | \(figure.note) |\n"
            }
        }
        return text
    }

    static func append(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        if !FileManager.default.fileExists(atPath: path) {
            try "# Benchmark results\n\nAppended by `make bench`; newest last.\n".write(to: url, atomically: true, encoding: .utf8)
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
    }

    private static func format(_ value: Double) -> String {
        if value >= 1000 { return String(Int(value.rounded())) }
        if value >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.3f", value)
    }
}
