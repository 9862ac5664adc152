import Foundation
import Testing
@testable import qrew_bench

/// The report `make bench` writes: one current table at the top of docs/benchmarks.md, the
/// table before it moved under History, nothing else lost.
@Suite struct BenchmarkReportTests {
    private let qrew: [BenchmarkReport.Section] = [
        ("Local cluster", [
            BenchmarkFigure(name: "(a) 10,000 independent no-op tasks", value: 20_000, unit: "tasks/s", note: "n", key: "a"),
            BenchmarkFigure(name: "(b) single-task run, submit to done, p50", value: 0.5, unit: "ms", note: "n", key: "b.done.p50"),
        ]),
        ("Memory", [BenchmarkFigure(name: "(m) Redis per retained task", value: 900, unit: "B", note: "a figure the writer does not know")]),
    ]
    private let peers = [
        BenchmarkFigure(name: "huey (a)", value: 2_000, unit: "tasks/s", note: "", key: "a", peer: "huey"),
        BenchmarkFigure(name: "huey (b) p50", value: 1.0, unit: "ms", note: "", key: "b.done.p50", peer: "huey"),
        BenchmarkFigure(name: "Celery (a)", value: 500, unit: "tasks/s", note: "", key: "a", peer: "Celery"),
        BenchmarkFigure(name: "huey (q) submit 10,000 and wait", value: 6, unit: "s", note: "", key: "q", peer: "huey"),
    ]

    private func table(at date: Date, baseline: BaselineComparison.Result? = nil) -> String {
        BenchmarkReport.currentTable(sections: qrew, peers: peers, baseline: baseline, machine: "test machine", date: date)
    }

    @Test func theTableHasAColumnPerPeerFoundAndTheRatios() throws {
        let text = table(at: Date(timeIntervalSince1970: 0))
        let header = try #require(text.split(separator: "\n").first { $0.hasPrefix("| figure") })
        #expect(header == "| figure | unit | Qrew | huey | Celery | Qrew is | note |")
        let throughput = try #require(text.split(separator: "\n").first { $0.hasPrefix("| (a)") })
        #expect(throughput.contains("| 20000 | 2000 | 500.0 | 10× huey; 40× Celery |"))
        let latency = try #require(text.split(separator: "\n").first { $0.hasPrefix("| (b)") })
        #expect(latency.contains("2.00× huey"), "a time: the peer's over Qrew's")
        #expect(text.contains("| (m) Redis per retained task | B | 900.0 |"), "figures of any section are listed")
        #expect(text.contains("| huey (q) submit 10,000 and wait | s |  | 6.000 |"), "a peer figure Qrew did not take keeps its row")
        #expect(text.hasPrefix(BenchmarkReport.currentBegin))
        #expect(text.hasSuffix(BenchmarkReport.currentEnd + "\n"))
    }

    @Test func theBaselineColumnComparesTheAlternatingMedians() throws {
        let baseline = BaselineComparison.Result(
            current: [BenchmarkFigure(name: "(a)", value: 30_000, unit: "tasks/s", note: "", key: "a")],
            baseline: [BenchmarkFigure(name: "(a)", value: 15_000, unit: "tasks/s", note: "", key: "a")])
        let text = table(at: Date(timeIntervalSince1970: 0), baseline: baseline)
        let throughput = try #require(text.split(separator: "\n").first { $0.hasPrefix("| (a)") })
        #expect(throughput.contains("| 15000 | 10× huey; 40× Celery; 2.00× baseline (alternating medians 30000 vs 15000) |"))
    }

    @Test func aDocumentFromBeforeCurrentTablesKeepsAllItsTextUnderHistory() throws {
        let old = "# Benchmark results\n\nAppended by `make bench`; newest last.\n\n## Perf pass\n\nnotes\n\n## 2026-11-22 — run\n\n| a | b |\n"
        let first = table(at: Date(timeIntervalSince1970: 0))
        let document = BenchmarkReport.replacingCurrentTable(in: old, with: first)
        #expect(document.hasPrefix("# Benchmark results\n\n"))
        #expect(!document.contains("newest last"))
        let current = try #require(document.range(of: first))
        let history = try #require(document.range(of: "## History"))
        let perfPass = try #require(document.range(of: "## Perf pass\n\nnotes\n\n## 2026-11-22 — run\n\n| a | b |\n"))
        #expect(current.upperBound <= history.lowerBound && history.upperBound <= perfPass.lowerBound)
    }

    @Test func eachRunReplacesTheTableAndMovesThePreviousOneUnderHistoryNewestFirst() throws {
        var document = BenchmarkReport.replacingCurrentTable(in: nil, with: table(at: Date(timeIntervalSince1970: 0)))
        document += "\n## Perf pass\n\nhand-written notes\n"
        document = BenchmarkReport.replacingCurrentTable(in: document, with: table(at: Date(timeIntervalSince1970: 86_400)))
        document = BenchmarkReport.replacingCurrentTable(in: document, with: table(at: Date(timeIntervalSince1970: 2 * 86_400)))
        #expect(document.components(separatedBy: BenchmarkReport.currentBegin).count == 2, "one current table")
        #expect(document.components(separatedBy: "## Current figures").count == 2)
        let current = try #require(document.range(of: "## Current figures — 1970-01-03"))
        let history = try #require(document.range(of: "## History"))
        let secondRun = try #require(document.range(of: "## 1970-01-02T00:00:00Z, test machine"))
        let firstRun = try #require(document.range(of: "## 1970-01-01T00:00:00Z, test machine"))
        let notes = try #require(document.range(of: "hand-written notes"))
        #expect(current.upperBound < history.lowerBound)
        #expect(history.upperBound < secondRun.lowerBound && secondRun.upperBound < firstRun.lowerBound)
        #expect(firstRun.upperBound < notes.lowerBound)
        #expect(document.components(separatedBy: "| (a) 10,000 independent no-op tasks |").count == 4, "each run's table kept")
    }

    @Test func theGapBetweenTheTableAndHistoryStaysOneBlankLine() throws {
        var document = BenchmarkReport.replacingCurrentTable(in: nil, with: table(at: Date(timeIntervalSince1970: 0)))
        for day in 1...5 {
            document = BenchmarkReport.replacingCurrentTable(in: document, with: table(at: Date(timeIntervalSince1970: Double(day) * 86_400)))
        }
        #expect(document.contains(BenchmarkReport.currentEnd + "\n\n## History"))
        #expect(!document.contains("\n\n\n"))
    }

    @Test func writingCreatesTheFileAndRewritesIt() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-bench-report-\(UUID()).md").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try BenchmarkReport.writeCurrentTable(table(at: Date(timeIntervalSince1970: 0)), to: path)
        try BenchmarkReport.writeCurrentTable(table(at: Date(timeIntervalSince1970: 86_400)), to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("## Current figures — 1970-01-02"))
        #expect(text.contains("## 1970-01-01T00:00:00Z, test machine"))
    }

    @Test func aFigureMeasuredTwoWaysIsComparedWithTheSamePeerFigureButNotTheBaseline() throws {
        let direct = BenchmarkFigure(
            name: "(b) single-task run, direct submission, submit to done, p50", value: 0.25, unit: "ms", note: "n",
            key: "b.direct.done.p50", peerKey: "b.done.p50")
        let sections: [BenchmarkReport.Section] = [("Local cluster", qrew[0].figures + [direct])]
        let baseline = BaselineComparison.Result(
            current: [BenchmarkFigure(name: "(b)", value: 0.5, unit: "ms", note: "", key: "b.done.p50")],
            baseline: [BenchmarkFigure(name: "(b)", value: 1.0, unit: "ms", note: "", key: "b.done.p50")])
        let text = BenchmarkReport.currentTable(
            sections: sections, peers: peers, baseline: baseline, machine: "test machine", date: Date(timeIntervalSince1970: 0))
        let rows = text.split(separator: "\n")
        let row = try #require(rows.first { $0.hasPrefix("| (b) single-task run, direct submission") })
        #expect(row.contains("| 0.250 | 1.000 |  |  | 4.00× huey |"), "huey's (b) beside it; no baseline cell")
        let plain = try #require(rows.first { $0.hasPrefix("| (b) single-task run, submit to done") })
        #expect(plain.contains("2.00× huey; 2.00× baseline"))
        #expect(!text.contains("| huey (b) p50 |"), "matched, so not listed among the peers' figures Qrew did not take")
        // Printed by this build, the direct rows are not read as the baseline's (b).
        let printed = "(b) single-task run, direct submission, submit to done, p50   0.300  ms  note"
        #expect(BaselineComparison.clusterFigures(table: printed).isEmpty)
    }

    @Test func theBaselinesPrintedTableIsReadWhateverTheBuildsWording() {
        // As qrew-bench of 2ed4bb7 prints figures (a) and (b): p99 only in the note.
        let printed = """
            Local cluster (2 workers × 128 slots, coordinator and redis-server on the same cores)
            measure                                    value  unit     note
            (a) 10,000 independent no-op tasks         19641  tasks/s  submit to last completion 509.13 ms; target ≥ 20,000
            (b) single-task run, submit to start, p50  0.612  ms       p99 1.10 ms; 200 runs one after another
            (b) single-task run, submit to done, p50   0.861  ms       p99 1.72 ms; targets p50 ≤ 1 ms, p99 ≤ 3 ms
            """
        let figures = BaselineComparison.clusterFigures(table: printed)
        #expect(figures.map(\.key) == ["a", "b.start.p50", "b.done.p50", "b.done.p99"])
        #expect(figures.map(\.value) == [19_641, 0.612, 0.861, 1.72])
    }

    @Test func mediansPerKeyOverRounds() {
        let rounds = [1.0, 3.0, 2.0].map { [BenchmarkFigure(name: "(a)", value: $0, unit: "tasks/s", note: "", key: "a")] }
        let medians = BaselineComparison.medians(rounds, label: "x")
        #expect(medians.count == 1 && medians[0].value == 2)
        #expect(BaselineComparison.medians(Array(rounds.prefix(2)), label: "x")[0].value == 2)
    }

    @Test func redisBenchmarksPingRate() {
        let csv = """
            "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
            "PING_INLINE","31779.99","0.557","0.016","0.023","0.103","19.855","149.887"
            "PING_MBULK","32492.52","0.397","0.016","0.023","0.055","15.839","39.999"
            """
        #expect(HostSpeed.pingRate(csv: csv) == 32_492.52)
        #expect(HostSpeed.pingRate(csv: "garbage") == nil)
    }
}
