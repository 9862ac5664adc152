import Testing
@testable import QrewCore

struct RetryPolicyTests {
    @Test func fixedBackoffIsConstant() {
        let policy = RetryPolicy(maxRetries: 3, backoff: .fixed, initial: .seconds(2), cap: .seconds(60), jitter: false)
        #expect((1...5).map { policy.delay(afterAttempt: $0, jitterSample: 0.5) } == Array(repeating: .seconds(2), count: 5))
    }

    @Test func exponentialBackoffDoublesUpToTheCap() {
        let policy = RetryPolicy(maxRetries: 10, backoff: .exponential, initial: .seconds(1), cap: .seconds(10), jitter: false)
        let delays = (1...6).map { policy.delay(afterAttempt: $0, jitterSample: 0) }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)])
        #expect(policy.delay(afterAttempt: Int.max, jitterSample: 0) == .seconds(10))
    }

    @Test func equalJitterStaysWithinHalfAndFull() {
        let policy = RetryPolicy(maxRetries: 10, backoff: .exponential, initial: .seconds(1), cap: .seconds(60), jitter: true)
        for attempt in 1...8 {
            let base = RetryPolicy(maxRetries: 10, initial: .seconds(1), cap: .seconds(60), jitter: false)
                .delay(afterAttempt: attempt, jitterSample: 0)
            #expect(policy.delay(afterAttempt: attempt, jitterSample: 0) == base / 2)
            #expect(policy.delay(afterAttempt: attempt, jitterSample: 0.999_999) <= base)
            #expect(policy.delay(afterAttempt: attempt, jitterSample: 0.999_999) > base / 2)
        }
        var generator = SplitMix64(seed: 7)
        for _ in 0..<1000 {
            let delay = policy.delay(afterAttempt: 3, using: &generator)
            #expect(delay >= .seconds(2) && delay <= .seconds(4))
        }
    }

    @Test func shouldRetryHonoursCountAndConditions() {
        let policy = RetryPolicy(maxRetries: 2, retryOn: [.failure, .lost])
        #expect(policy.shouldRetry(outcome: .failed, attempt: 1))
        #expect(policy.shouldRetry(outcome: .lost, attempt: 2))
        #expect(!policy.shouldRetry(outcome: .failed, attempt: 3))
        #expect(!policy.shouldRetry(outcome: .timedOut, attempt: 1))
        #expect(!policy.shouldRetry(outcome: .succeeded, attempt: 1))
        #expect(!policy.shouldRetry(outcome: .cancelled, attempt: 1))
        #expect(!RetryPolicy.default.shouldRetry(outcome: .failed, attempt: 1))
    }

    /// Found by the taskspec fuzz target: a spec's cap of `[Int64.max, UInt64.max]` attoseconds
    /// trapped in `Duration.components` when the worker computed the delay.
    @Test func durationsBeyondInt64SecondsSaturate() {
        let huge = Duration(attoseconds: Int128(Int64.max) << 64 | Int128(UInt64.max))
        let policy = RetryPolicy(maxRetries: 3, backoff: .exponential, initial: .seconds(1), cap: huge, jitter: false)
        #expect(policy.delay(afterAttempt: 100, jitterSample: 0) == .nanoseconds(Int64.max))
        #expect(RetryPolicy.nanoseconds(.zero - huge) == Int64.min)
    }

    /// Found by the duration fuzz target: `cap` bounds fixed delays too (an `initial` above the
    /// cap a step inherits from `defaults`).
    @Test func fixedBackoffWaitsAtMostTheCap() {
        let policy = RetryPolicy(maxRetries: 3, backoff: .fixed, initial: .seconds(3600), cap: .seconds(60), jitter: false)
        #expect(policy.delay(afterAttempt: 1, jitterSample: 0) == .seconds(60))
        let jittered = RetryPolicy(maxRetries: 3, backoff: .fixed, initial: .seconds(3600), cap: .seconds(60), jitter: true)
        #expect(jittered.delay(afterAttempt: 1, jitterSample: 0.999_999) <= .seconds(60))
    }

    @Test func settingsLayerOverDefaults() {
        let defaults = RetrySettings(maxRetries: 3, backoff: .fixed, initial: .seconds(5)).resolved(over: .default)
        let step = RetrySettings(maxRetries: 1).resolved(over: defaults)
        #expect(step == RetryPolicy(maxRetries: 1, backoff: .fixed, initial: .seconds(5), cap: .seconds(60), jitter: true))
    }
}
