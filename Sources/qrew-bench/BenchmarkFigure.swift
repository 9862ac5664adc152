/// One measured number of a benchmark run, with what it means.
struct BenchmarkFigure: Sendable, Equatable {
    let name: String
    let value: Double
    let unit: String
    let note: String
    /// The figure this one is compared with across frameworks and builds in the current table
    /// ("a", "b.done.p50", "q", ...): a peer's or the baseline binaries' figure with the same key
    /// stands beside Qrew's. Nil for figures nothing is compared with.
    var key: String?
    /// The framework measured ("huey", "Celery", ...), nil for Qrew's own figures.
    var peer: String?
    /// The key of the peers' figure this one is compared with when it differs from `key`: Qrew
    /// measured two ways ("b.direct.done.p50" beside the peers' "b.done.p50").
    var peerKey: String?

    init(name: String, value: Double, unit: String, note: String, key: String? = nil, peer: String? = nil, peerKey: String? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.note = note
        self.key = key
        self.peer = peer
        self.peerKey = peerKey
    }

    /// Whether a larger value is better (a rate such as tasks/s or PING/s); times, sizes and
    /// CPU are better smaller.
    var higherIsBetter: Bool { unit.hasSuffix("/s") }
}
