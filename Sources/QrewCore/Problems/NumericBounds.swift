/// The range every number in a workflow must fall in, so that no value a user sends can make
/// score, attempt or deadline arithmetic overflow anywhere (here, in the Lua scripts, in a
/// worker). Unlike `ValidationLimits` these are not tunable: the protocol relies on them.
public enum NumericBounds {
    /// A step's `priority` offset. Keeps the ready score (`score × 2³² + FIFO sequence`, a Lua
    /// double) exact: see `score`.
    public static let priority: ClosedRange<Int> = -1_000_000...1_000_000
    /// A task's whole score (points + offset) after clamping: |score| × 2³² + 2³² stays below
    /// 2⁵³, so Redis sorts ready tasks exactly and equal scores stay first in, first out.
    public static let score: ClosedRange<Int> = -2_000_000...2_000_000
    /// `retries` / `retries.max`: retries after the first attempt.
    public static let retries: ClosedRange<Int> = 0...100
    /// `maxConcurrency` (workflow and step) and resource pool sizes.
    public static let concurrency: ClosedRange<Int> = 1...1_000_000
    /// `rateLimit.limit`: starts per span (the sliding-window log keeps one entry per start).
    public static let rateLimit: ClosedRange<Int> = 1...100_000
    /// `circuitBreaker.failures` (the breaker keeps one entry per failure within its window).
    public static let breakerFailures: ClosedRange<Int> = 1...10_000
    /// How deep child workflows (`type: workflow`) may nest: a child of a child ... of the
    /// submitted workflow, each level counted.
    public static let childWorkflowDepth: ClosedRange<Int> = 1...8
    /// The longest duration any field accepts (timeouts, retry delays, cache ttl, sleep): a year.
    public static let longestDuration: Duration = .seconds(365 * 86_400)

    /// `value` moved into `range`.
    public static func clamp(_ value: Int, to range: ClosedRange<Int>) -> Int {
        min(max(value, range.lowerBound), range.upperBound)
    }

    /// `duration` moved into `0...longestDuration`, for values that did not come through
    /// validation (a task spec read from Redis).
    public static func clamp(_ duration: Duration) -> Duration {
        min(max(duration, .zero), longestDuration)
    }

    /// How a number outside `range` is described to the user: "between -1,000,000 and 1,000,000".
    static func describe(_ range: ClosedRange<Int>) -> String {
        "between \(grouped(range.lowerBound)) and \(grouped(range.upperBound))"
    }

    /// `1000000` as `1,000,000` (no Foundation in the core).
    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return value < 0 ? "-" + out : out
    }
}
