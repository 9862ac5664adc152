/// What a worker's slot count follows: a fixed number, or `auto[:MIN-MAX]`, which adapts the
/// slots to CPU and memory pressure between a floor and a ceiling (``AdaptiveConcurrency``).
public enum ConcurrencySetting: Sendable, Equatable {
    /// Always this many slots.
    case fixed(Int)
    /// Between `minimum` and `maximum` slots, following pressure.
    case adaptive(minimum: Int, maximum: Int)

    /// The largest slot count either form accepts.
    public static let largest = 1024

    /// Parses `4`, `auto` (1 to 4 × `processors`) or `auto:2-16`; throws a message naming the
    /// accepted forms.
    public init(parsing text: String, processors: Int) throws(InvalidSetting) {
        let range = 1...Self.largest
        if let count = Int(text) {
            guard range.contains(count) else { throw InvalidSetting("'\(text)': expected 1 to \(Self.largest) slots") }
            self = .fixed(count)
            return
        }
        guard text == "auto" || text.hasPrefix("auto:") else {
            throw InvalidSetting("'\(text)': expected a slot count (e.g. 4), auto, or auto:MIN-MAX (e.g. auto:2-16)")
        }
        guard text != "auto" else {
            self = .adaptive(minimum: 1, maximum: min(Self.largest, max(1, processors) * 4))
            return
        }
        let bounds = text.dropFirst("auto:".count).split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let minimum = Int(bounds[0]), let maximum = Int(bounds[1]) else {
            throw InvalidSetting("'\(text)': expected auto:MIN-MAX with two numbers, e.g. auto:2-16")
        }
        guard range.contains(minimum), range.contains(maximum), minimum <= maximum else {
            throw InvalidSetting("'\(text)': expected 1 <= MIN <= MAX <= \(Self.largest)")
        }
        self = .adaptive(minimum: minimum, maximum: maximum)
    }

    /// A concurrency setting that cannot be used, with a message for the user.
    public struct InvalidSetting: Error, CustomStringConvertible, Equatable {
        /// What is wrong, and the forms accepted.
        public let description: String
        init(_ description: String) { self.description = description }
    }
}

/// One measurement of the machine (or the worker's cgroup), each as a share from 0 to 1.
public struct PressureSample: Sendable, Equatable, Codable {
    /// CPU pressure: the share of time some runnable task waited for a CPU (PSI), or the
    /// one-minute load average per CPU, capped at 1, where PSI is missing.
    public var cpu: Double
    /// Memory in use: `memory.current / memory.max` of a limited cgroup v2, else
    /// `1 − MemAvailable / MemTotal`.
    public var memory: Double
    /// Memory stall: the share of time some task waited on memory (reclaim, swap-in; PSI
    /// `memory.pressure`), 0 where PSI is missing.
    public var memoryStall: Double

    public init(cpu: Double, memory: Double, memoryStall: Double = 0) {
        self.cpu = cpu
        self.memory = memory
        self.memoryStall = memoryStall
    }
}

/// A change of the slot count and why it happened.
public struct SlotChange: Sendable, Equatable {
    /// Slots before.
    public var from: Int
    /// Slots after.
    public var to: Int
    /// e.g. `cpu pressure 0.97 over 0.80`, `pressure back under thresholds`.
    public var reason: String
}

/// The AIMD controller behind `--concurrency auto`: when a sample is over a threshold it halves
/// the slots (never below the minimum), then waits `settleSamples` samples for the change to show
/// before it may halve again; when samples stay under the thresholds minus a hysteresis band for
/// `growAfter` samples in a row, it adds one slot (never above the maximum). Between the two
/// bands it holds, so a reading hovering at a threshold does not flap. Pure: the worker feeds it
/// samples and applies what it returns.
public struct AdaptiveConcurrency: Sendable {
    /// Tunables, with the defaults documented in docs/worker.md.
    public struct Thresholds: Sendable, Equatable {
        /// CPU pressure above which slots shrink.
        public var cpu: Double
        /// Memory in use above which slots shrink.
        public var memory: Double
        /// Memory stall above which slots shrink.
        public var memoryStall: Double
        /// How far under a threshold a reading must be to count toward growing.
        public var hysteresis: Double
        /// Consecutive samples under the thresholds before one slot is added.
        public var growAfter: Int
        /// Samples after a shrink before another shrink.
        public var settleSamples: Int

        public init(
            cpu: Double = 0.8, memory: Double = 0.9, memoryStall: Double = 0.2, hysteresis: Double = 0.05,
            growAfter: Int = 3, settleSamples: Int = 2
        ) {
            self.cpu = cpu
            self.memory = memory
            self.memoryStall = memoryStall
            self.hysteresis = hysteresis
            self.growAfter = max(1, growAfter)
            self.settleSamples = max(0, settleSamples)
        }
    }

    /// The floor.
    public let minimum: Int
    /// The ceiling.
    public let maximum: Int
    /// When to shrink and grow.
    public let thresholds: Thresholds
    /// Slots now.
    public private(set) var slots: Int
    private var underStreak = 0
    private var samplesSinceShrink = Int.max

    /// Starts at `initial` slots, clamped to `minimum...maximum`.
    public init(minimum: Int, maximum: Int, initial: Int, thresholds: Thresholds = Thresholds()) {
        self.minimum = max(1, minimum)
        self.maximum = max(self.minimum, maximum)
        self.thresholds = thresholds
        self.slots = min(self.maximum, max(self.minimum, initial))
    }

    /// Takes one sample; returns the change it causes, if any.
    public mutating func update(_ sample: PressureSample) -> SlotChange? {
        if samplesSinceShrink < Int.max { samplesSinceShrink += 1 }
        if let over = overReason(sample) {
            underStreak = 0
            guard samplesSinceShrink > thresholds.settleSamples, slots > minimum else { return nil }
            let from = slots
            slots = max(minimum, slots / 2)
            samplesSinceShrink = 0
            return SlotChange(from: from, to: slots, reason: over)
        }
        let under = sample.cpu < thresholds.cpu - thresholds.hysteresis
            && sample.memory < thresholds.memory - thresholds.hysteresis
            && sample.memoryStall < thresholds.memoryStall - thresholds.hysteresis
        guard under else {
            underStreak = 0
            return nil
        }
        underStreak += 1
        guard underStreak >= thresholds.growAfter, slots < maximum else { return nil }
        underStreak = 0
        let from = slots
        slots += 1
        return SlotChange(
            from: from, to: slots,
            reason: "under thresholds (cpu \(Self.format(sample.cpu)), memory \(Self.format(sample.memory)))")
    }

    private func overReason(_ sample: PressureSample) -> String? {
        if sample.memory > thresholds.memory {
            return "memory \(Self.format(sample.memory)) over \(Self.format(thresholds.memory))"
        }
        if sample.memoryStall > thresholds.memoryStall {
            return "memory stall \(Self.format(sample.memoryStall)) over \(Self.format(thresholds.memoryStall))"
        }
        if sample.cpu > thresholds.cpu {
            return "cpu pressure \(Self.format(sample.cpu)) over \(Self.format(thresholds.cpu))"
        }
        return nil
    }

    /// Two decimals, e.g. `0.97`.
    public static func format(_ share: Double) -> String {
        let hundredths = Int((min(max(share, 0), 9.99) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
