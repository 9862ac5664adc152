import Foundation
import Synchronization

/// Whether Redis memory and key count stayed flat during a soak.
///
/// The rule: the first third of the samples is warm-up (scripts loaded, first runs retained,
/// allocator pools filled) and is ignored; the mean of the last third may exceed the mean of the
/// middle third by at most `tolerance` of it, and never less than a noise floor (256 KB of
/// memory, 100 keys), because the runs retained at any instant vary by a few. A leak grows
/// with the number of runs, so it shows as a last third above the middle one; comparing means
/// of thirds rather than the first and last sample keeps one burst from deciding.
struct SoakVerdict {
    struct Sample: Sendable {
        let elapsed: Duration
        let usedMemory: Int
        let keys: Int
        /// Entries of `<ns>:runs`, `<ns>:dlq`, `<ns>:events`, `<ns>:submissions`: the shared
        /// structures a leak would most likely hide in.
        let runIndex: Int
        let deadLetters: Int
        let events: Int
        let submissions: Int
        let submitted: Int
        let finished: Int

        var line: String {
            String(format: "soak: t=%5.0fs used_memory=%7.2fMB keys=%5d runs_index=%5d dlq=%d events=%d submissions=%d runs_submitted=%d finished=%d",
                   elapsed.seconds, Double(usedMemory) / 1_048_576, keys, runIndex, deadLetters, events, submissions, submitted, finished)
        }
    }

    static let memoryFloor = 256 * 1024
    static let keysFloor = 100

    let samples: [Sample]
    let tolerance: Double

    private var thirds: (middle: ArraySlice<Sample>, last: ArraySlice<Sample>) {
        let third = samples.count / 3
        return (samples[third..<(samples.count - third)], samples[(samples.count - third)...])
    }

    private static func mean(_ samples: ArraySlice<Sample>, _ value: (Sample) -> Int) -> Double {
        samples.isEmpty ? 0 : Double(samples.reduce(0) { $0 + value($1) }) / Double(samples.count)
    }

    /// Growth of the last third's mean over the middle third's, and whether it is within bounds.
    private func check(_ value: (Sample) -> Int, floor: Int) -> (middle: Double, last: Double, ok: Bool) {
        let (middle, last) = thirds
        let before = Self.mean(middle, value), after = Self.mean(last, value)
        return (before, after, after - before <= max(before * tolerance, Double(floor)))
    }

    var flat: Bool {
        samples.count >= 3 && check(\.usedMemory, floor: Self.memoryFloor).ok && check(\.keys, floor: Self.keysFloor).ok
    }

    /// The verdict, one line per measure and a last line `soak: flat|GROWING ...`.
    var lines: [String] {
        guard samples.count >= 3 else { return ["soak: GROWING? only \(samples.count) sample(s): too few to judge"] }
        let memory = check(\.usedMemory, floor: Self.memoryFloor)
        let keys = check(\.keys, floor: Self.keysFloor)
        let runs = samples.last.map { "\($0.submitted) runs submitted, \($0.finished) seen finished" } ?? ""
        return [
            String(format: "soak: used_memory mean: middle third %.2f MB, last third %.2f MB (%+.1f%%)",
                   memory.middle / 1_048_576, memory.last / 1_048_576, Self.percent(memory.middle, memory.last)),
            String(format: "soak: keys mean: middle third %.0f, last third %.0f (%+.1f%%)", keys.middle, keys.last, Self.percent(keys.middle, keys.last)),
            "soak: \(flat ? "flat" : "GROWING") (tolerance \(Int(tolerance * 100))%, floors 256 KB and 100 keys; \(runs))",
        ]
    }

    private static func percent(_ before: Double, _ after: Double) -> Double {
        before == 0 ? 0 : (after - before) / before * 100
    }
}

/// Runs submitted and seen finished, shared by the submitter and the sampler.
final class SoakCounters: Sendable {
    private let counts = Mutex((submitted: 0, finished: 0))

    func submitted() { counts.withLock { $0.submitted += 1 } }
    func finished() { counts.withLock { $0.finished += 1 } }
    var values: (submitted: Int, finished: Int) { counts.withLock { $0 } }
}
