/// One measured number of a benchmark run, with what it means.
struct BenchmarkFigure: Sendable {
    let name: String
    let value: Double
    let unit: String
    let note: String
}
