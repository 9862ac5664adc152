import QrewQueue

/// Checks, across every run, that no span of the shared rate limit's `per` held more starts of
/// rate-limited tasks than its `limit` (`WorkflowGenerator.rateLimit`).
///
/// A start is a `task_started` event; its time is the event's `ts`, which claim stamps from the
/// same clock (Redis's TIME) that it records in the rate limit's window log, so the check needs
/// no tolerance: starts at t₁ ≤ … ≤ tₙ violate the limit when more than `limit` of them fall in
/// some [t, t + per).
struct RateUsage: Sendable {
    /// A start that made some span hold more than the limit.
    struct Violation: Sendable, Equatable {
        /// Starts within `per` ending with this one.
        let starts: Int
        /// Redis time (ms) of this start and of the first start of its span.
        let milliseconds: Int
        let spanStart: Int
    }

    let limit: Int
    let perMilliseconds: Int
    private var starts: [Int] = []

    init(limit: Int, perMilliseconds: Int) {
        self.limit = limit
        self.perMilliseconds = perMilliseconds
    }

    /// Adds one run's starts of tasks for which `isLimited` holds.
    mutating func add(events: [StreamEntry], isLimited: (String) -> Bool) {
        for entry in events where entry.fields["type"] == "task_started" {
            guard let task = entry.fields["task"], isLimited(task), let ms = entry.fields["ts"].flatMap({ Int($0) }) else { continue }
            starts.append(ms)
        }
    }

    /// The most starts within one span, and every start that took a span above the limit.
    func check() -> (busiest: Int, violations: [Violation]) {
        let sorted = starts.sorted()
        var first = 0
        var busiest = 0
        var violations: [Violation] = []
        for last in sorted.indices {
            while sorted[last] - sorted[first] >= perMilliseconds { first += 1 }
            let count = last - first + 1
            busiest = max(busiest, count)
            if count > limit { violations.append(Violation(starts: count, milliseconds: sorted[last], spanStart: sorted[first])) }
        }
        return (busiest, violations)
    }
}
