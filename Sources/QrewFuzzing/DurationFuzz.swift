import QrewCore

/// Duration strings (`timeout`, `retries.initial`, `retries.cap`, a sleep's `with.duration`) on
/// arbitrary text, and the retry delays computed from two of them: the bytes before the first
/// NUL are one duration, the bytes after it another. Checked: no duration is negative; spaces
/// around a duration change nothing; whole seconds read as seconds; retry delays stay between
/// zero and the cap.
enum DurationFuzz {
    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        let (first, second) = bytes.splitOnce(at: 0)
        let initial = try parse(String(fuzzBytes: first))
        guard let second else { return }
        let cap = try parse(String(fuzzBytes: second))
        guard let initial, let cap else { return }
        for backoff in RetryPolicy.Backoff.allCases {
            let policy = RetryPolicy(maxRetries: 10, backoff: backoff, initial: initial, cap: cap, jitter: true)
            for attempt in [0, 1, 2, 10, 63, 64, 65, Int.max] {
                for sample in [0, 0.5, 0.999_999] {
                    let delay = policy.delay(afterAttempt: attempt, jitterSample: sample)
                    try expect(delay >= .zero, "negative delay \(delay) after attempt \(attempt) of \(policy)")
                    try expect(delay <= cap, "delay \(delay) over the cap after attempt \(attempt) of \(policy)")
                }
            }
        }
    }

    /// Parses `text`, checking the properties that hold for any duration text.
    private static func parse(_ text: String) throws(FuzzFailure) -> Duration? {
        let parsed = try? DurationParser.parse(text)
        let padded = try? DurationParser.parse(" \t\(text)\n ")
        try expect(parsed == padded, "'\(text)' reads \(String(describing: parsed)), with spaces around \(String(describing: padded))")
        if let parsed { try expect(parsed >= .zero, "'\(text)' reads as negative \(parsed)") }
        if !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
           let seconds = Int64(text), seconds <= Int64.max / 1_000 {
            try expect(parsed == .seconds(seconds), "'\(text)' reads \(String(describing: parsed)), not \(seconds) s")
        }
        return parsed
    }
}
