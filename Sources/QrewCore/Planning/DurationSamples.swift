/// Learned durations of one workflow step: the last `capacity` samples (ms, oldest first) and
/// their median, the estimate critical-path scoring and `qctl plan` use.
///
/// One sample per finished run (the median of that run's succeeded tasks of the step), so a
/// fan-out of 1,000 tasks counts once and a run's outliers do not flush the history. The median
/// rather than the mean: one stuck attempt must not double a step's estimate.
public struct DurationSamples: Sendable, Hashable {
    /// Samples kept per step; older ones are dropped.
    public static let capacity = 20

    /// Durations in ms, oldest first, at most `capacity`.
    public private(set) var samples: [Int]

    /// Starts with `samples` (ms, oldest first), keeping the newest `capacity` non-negative ones.
    public init(_ samples: [Int] = []) {
        self.samples = Array(samples.filter { $0 >= 0 }.suffix(Self.capacity))
    }

    /// Reads the stored form (`text`): comma-separated ms; unreadable items are skipped.
    public init(text: String) {
        self.init(text.split(separator: ",").compactMap { Int($0) })
    }

    /// The stored form: comma-separated ms, oldest first.
    public var text: String { samples.map(String.init).joined(separator: ",") }

    /// Adds a sample (negative ones are ignored), dropping the oldest past `capacity`.
    public mutating func record(_ milliseconds: Int) {
        guard milliseconds >= 0 else { return }
        samples.append(milliseconds)
        if samples.count > Self.capacity { samples.removeFirst(samples.count - Self.capacity) }
    }

    /// The p50 of the samples (the mean of the two middle ones for an even count, rounded
    /// down); nil without samples.
    public var median: Int? { Self.median(samples) }

    /// The p50 of `values`; nil when empty.
    public static func median(_ values: [Int]) -> Int? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        if sorted.count % 2 == 1 { return sorted[middle] }
        let (low, high) = (sorted[middle - 1], sorted[middle])
        return low + (high - low) / 2
    }

    /// One run's sample per step: the median duration (`finishedAt − startedAt`, ms) of the
    /// run's succeeded tasks of each step. Tasks with a missing or negative duration are skipped.
    public static func runSamples(_ tasks: [(step: String, startedAt: Int, finishedAt: Int)]) -> [String: Int] {
        var byStep: [String: [Int]] = [:]
        for task in tasks where task.finishedAt >= task.startedAt {
            byStep[task.step, default: []].append(task.finishedAt - task.startedAt)
        }
        return byStep.compactMapValues(median)
    }
}
