import Foundation

/// Figures (a) and (b) of another build ("today's binaries", `--baseline-bin DIR`) measured in
/// the same run as this build's, in alternating rounds, so the load of a shared machine falls on
/// both alike. The baseline is measured by its own `qrew-bench --only ab` (its own client,
/// coordinator and workers), so a protocol change between the builds cannot skew it.
struct BaselineComparison: Sendable {
    let directory: String
    let rounds: Int

    /// Medians over the rounds, this build's (`current`) and the baseline's, keyed like the
    /// cluster benchmark's figures.
    struct Result {
        let current: [BenchmarkFigure]
        let baseline: [BenchmarkFigure]
    }

    /// The programs the baseline's `qrew-bench --only ab` starts from its own directory.
    static let programs = ["qrew-bench", "qrew-coordinator", "qrew-worker", "qrew-supervise"]

    /// Fails before anything is measured when `directory` lacks one of `programs`.
    func check() throws {
        let missing = Self.programs.filter { !FileManager.default.isExecutableFile(atPath: directory + "/" + $0) }
        guard missing.isEmpty else {
            throw ChildCommand.Failure(description: """
                --baseline-bin: \(missing.joined(separator: ", ")) missing or not executable in \(directory); it needs the \
                baseline's \(Self.programs.joined(separator: ", ")) (e.g. the .build/release of a checkout of that commit)
                """)
        }
    }

    /// `measureCurrent` takes this build's figures (a) and (b) once; it and the baseline's
    /// qrew-bench run in turn, `rounds` times each.
    func run(measureCurrent: () async throws -> [BenchmarkFigure]) async throws -> Result {
        var current: [[BenchmarkFigure]] = []
        var baseline: [[BenchmarkFigure]] = []
        for round in 1...rounds {
            print("baseline: round \(round) of \(rounds): \(directory)/qrew-bench --only ab, then this build")
            let output = try await ChildCommand.output(
                of: directory + "/qrew-bench", ["--only", "ab", "--skip-peers"], showErrors: true, requireSuccess: true)
            baseline.append(Self.clusterFigures(table: output))
            current.append(try await measureCurrent())
        }
        return Result(
            current: Self.medians(current, label: "this build"), baseline: Self.medians(baseline, label: "baseline \(directory)"))
    }

    /// The keyed figures (a) and (b) of a qrew-bench's printed table (any build since the
    /// table's format: name, value, unit and note separated by two spaces or more). Builds that
    /// print submit → done p99 only in the p50 figure's note ("p99 1.23 ms; ...") get it read from there.
    static func clusterFigures(table: String) -> [BenchmarkFigure] {
        var figures: [BenchmarkFigure] = []
        var p99FromNote: BenchmarkFigure?
        for line in table.split(separator: "\n") {
            let cells = line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard cells.count >= 3, let value = Double(cells[1]), let key = key(ofFigureNamed: cells[0]),
                  !figures.contains(where: { $0.key == key })
            else { continue }
            let note = cells.dropFirst(3).joined(separator: " ")
            figures.append(BenchmarkFigure(name: cells[0], value: value, unit: cells[2], note: note, key: key))
            if key == "b.done.p50", let p99 = millisecondsAfter("p99 ", in: note) {
                p99FromNote = BenchmarkFigure(
                    name: cells[0].replacingOccurrences(of: "p50", with: "p99"), value: p99, unit: "ms", note: note, key: "b.done.p99")
            }
        }
        if let p99FromNote, !figures.contains(where: { $0.key == "b.done.p99" }) { figures.append(p99FromNote) }
        return figures
    }

    /// The number of milliseconds written right after `prefix` in `text` ("p99 1.23 ms"), or nil.
    private static func millisecondsAfter(_ prefix: String, in text: String) -> Double? {
        guard let range = text.range(of: prefix) else { return nil }
        let number = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        return Double(number)
    }

    /// The current table's key for a figure of (a) or (b) by its printed name, whatever the build's wording.
    static func key(ofFigureNamed name: String) -> String? {
        if name.hasPrefix("(a) ") { return "a" }
        // The baseline builds submit through a coordinator only; direct rows are this build's own.
        guard name.hasPrefix("(b) "), !name.contains("direct") else { return nil }
        if name.contains("to start"), name.hasSuffix("p50") { return "b.start.p50" }
        if name.contains("to done"), name.hasSuffix("p50") { return "b.done.p50" }
        if name.contains("to done"), name.hasSuffix("p99") { return "b.done.p99" }
        return nil
    }

    /// One figure per key: the median of the rounds' values, with the rounds in the note.
    static func medians(_ rounds: [[BenchmarkFigure]], label: String) -> [BenchmarkFigure] {
        var order: [String] = []
        var byKey: [String: [BenchmarkFigure]] = [:]
        for figure in rounds.joined() {
            guard let key = figure.key else { continue }
            if byKey[key] == nil { order.append(key) }
            byKey[key, default: []].append(figure)
        }
        return order.compactMap { key in
            guard let figures = byKey[key], let first = figures.first else { return nil }
            let values = figures.map(\.value).sorted()
            let median = values.count % 2 == 1 ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
            return BenchmarkFigure(
                name: first.name, value: median, unit: first.unit,
                note: "\(label): median of \(values.count) alternating rounds (\(values.map(BenchmarkReport.format).joined(separator: ", ")))",
                key: key)
        }
    }
}
