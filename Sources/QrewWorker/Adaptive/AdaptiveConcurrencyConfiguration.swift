import QrewCore

/// How `--concurrency auto[:MIN-MAX]` adapts a worker's slots (docs/worker.md, *Adaptive
/// concurrency*): between `minimum` and `maximum`, following the pressure sampled every
/// `sampleInterval` against `thresholds`.
public struct AdaptiveConcurrencyConfiguration: Sendable, Equatable {
    /// The floor: slots never go below it.
    public var minimum: Int
    /// The ceiling.
    public var maximum: Int
    /// When slots shrink and grow (`--throttle-cpu`, `--throttle-memory`, `--throttle-memory-stall`).
    public var thresholds: AdaptiveConcurrency.Thresholds
    /// Time between samples.
    public var sampleInterval: Duration
    /// The cgroup v2 directory whose pressure files are read (`--throttle-cgroup`); nil finds
    /// the worker's own cgroup.
    public var cgroupDirectory: String?

    public init(
        minimum: Int, maximum: Int, thresholds: AdaptiveConcurrency.Thresholds = .init(),
        sampleInterval: Duration = .seconds(1), cgroupDirectory: String? = nil
    ) {
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
        self.thresholds = thresholds
        self.sampleInterval = sampleInterval
        self.cgroupDirectory = cgroupDirectory
    }
}
