extension RetryPolicy {
    /// Whether the task should run again after attempt number `attempt` (1-based) ended so.
    public func shouldRetry(outcome: TaskOutcome, attempt: Int) -> Bool {
        guard let condition = outcome.retryCondition, retryOn.contains(condition) else { return false }
        return attempt >= 1 && attempt < maxAttempts
    }

    /// The wait before the next attempt after attempt number `attempt` (1-based) failed.
    ///
    /// Uses *equal jitter*: `base/2 + sample × base/2`, so a delay never falls below half the
    /// un-jittered value (full jitter can retry almost at once and hammer a struggling dependency)
    /// while concurrent retries still spread out. `jitterSample` must be in `[0, 1)`; values outside
    /// are clamped. Pure: the caller injects the randomness.
    public func delay(afterAttempt attempt: Int, jitterSample: Double) -> Duration {
        let base = baseNanoseconds(afterAttempt: attempt)
        guard jitter else { return .nanoseconds(base) }
        let sample = min(max(jitterSample, 0), 1)
        let half = base / 2
        let spread = Int64((Double(base - half) * sample).rounded(.down))
        return .nanoseconds(min(half + spread, base))
    }

    /// `delay(afterAttempt:jitterSample:)` drawing the sample from `generator`.
    public func delay<Generator: RandomNumberGenerator>(
        afterAttempt attempt: Int,
        using generator: inout Generator
    ) -> Duration {
        delay(afterAttempt: attempt, jitterSample: Double.random(in: 0..<1, using: &generator))
    }

    /// Un-jittered delay in nanoseconds, computed in integers so results are exact.
    private func baseNanoseconds(afterAttempt attempt: Int) -> Int64 {
        let initialNanos = max(Self.nanoseconds(initial), 0)
        let capNanos = max(Self.nanoseconds(cap), 0)
        switch backoff {
        case .fixed:
            // `cap` bounds every delay: an `initial` above an inherited cap waits the cap.
            return min(initialNanos, capNanos)
        case .exponential:
            var value = min(initialNanos, capNanos)
            var step = 1
            while step < attempt && value > 0 && value < capNanos {
                value = value > capNanos / 2 ? capNanos : value * 2
                step += 1
            }
            return min(value, capNanos)
        }
    }

    /// A duration in whole nanoseconds, saturating instead of overflowing. Read from the
    /// attoseconds: `components` traps on a duration of more than `Int64.max` seconds, which a
    /// task spec can carry (`[high, low]` attoseconds).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        Int64(clamping: duration.attoseconds / 1_000_000_000)
    }
}
