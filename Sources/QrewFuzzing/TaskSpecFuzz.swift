import Foundation
import QrewCore

/// A task spec as a worker reads it from a claim, on arbitrary bytes: decoded, rendered with
/// outputs for its refs, its timeout, sleep duration and retry delays computed. Checked: the
/// hand-written reader and `JSONDecoder` agree on every text both parsers take for JSON (as
/// `TaskSpecDecodingTests` checks on random damage), and so do its two paths (what the canonical
/// reader takes, the tree reader reads equal); an accepted spec re-encodes to text that
/// decodes equal with both; retry delays stay between zero and the cap.
enum TaskSpecFuzz {
    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        // As a worker receives it: text from Redis, invalid UTF-8 repaired.
        let text = String(fuzzBytes: bytes)
        let decoder = JSONDecoder()
        // Foundation's JSONDecoder traps on some texts nested past its 512 levels (FoundationJSON):
        // those it is not asked about; TaskSpec(jsonText:) is still checked alone.
        let comparable = FoundationJSON.offsetNestedDeeper(than: FoundationJSON.maximumDepth, in: text.utf8) == nil
        let foundation = comparable ? try? FoundationJSON.decode(TaskSpec.self, from: Data(text.utf8)) : nil
        // What the canonical reader (the fast path) takes, the tree reader reads equal.
        if let canonical = CanonicalSpecReader.spec(text) {
            try expect((try? TaskSpec(readingTree: text)) == canonical, "the readers differ on \(text.debugDescription)")
        }
        let spec: TaskSpec
        do {
            spec = try TaskSpec(jsonText: text)
        } catch {
            _ = error.description
            // Where both parsers take the text for JSON, JSONDecoder refuses it too, but for an
            // integer of 2^53 or more written with a fraction or exponent (SpecValue.integer).
            switch error {
            case .malformedJSON:
                return
            case .invalidField(_, _, let got) where got.contains(where: { ".eE".contains($0) })
                && (Double(got)?.magnitude ?? 0) >= 0x1p53:
                return
            default:
                try expect(foundation == nil, "only JSONDecoder reads \(text.debugDescription) (\(error))")
                return
            }
        }
        if let foundation {
            try expect(foundation == spec, "JSONDecoder reads \(text.debugDescription) differently")
        } else if comparable {
            // Only where Foundation's JSON parser refuses the text (e.g. 1e400 in an unknown field).
            try expect(
                (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) == nil,
                "only TaskSpec(jsonText:) reads \(text.debugDescription)")
        }
        let written = spec.jsonText
        try expect((try? TaskSpec(jsonText: written)) == spec, "the re-encoded spec does not decode equal: \(written)")
        try expect(
            (try? decoder.decode(TaskSpec.self, from: Data(written.utf8))) == spec,
            "JSONDecoder does not read the re-encoded spec equal: \(written)")

        var outputs: [String: String] = [:]
        for task in spec.outputRefs.values.joined() { outputs[task] = "output of \(task)" }
        _ = try? spec.rendered(outputs: outputs)
        _ = spec.timeoutMilliseconds.map { Duration.milliseconds($0) }
        if let sleep = spec.with["duration"] { _ = try? DurationParser.parse(sleep) }

        let retry = spec.retry
        for attempt in [Int.min, 0, 1, 2, 3, 64, retry.maxRetries, Int.max] {
            for outcome in TaskOutcome.allCases { _ = retry.shouldRetry(outcome: outcome, attempt: attempt) }
            for sample in [-1, 0, 0.5, 0.999_999, 1, .infinity] {
                let delay = retry.delay(afterAttempt: attempt, jitterSample: sample)
                try expect(delay >= .zero, "negative delay \(delay) after attempt \(attempt) of \(retry)")
                try expect(retry.cap < .zero || delay <= retry.cap, "delay \(delay) over the cap after attempt \(attempt) of \(retry)")
            }
        }
    }
}
