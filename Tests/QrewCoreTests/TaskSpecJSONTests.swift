import Foundation
import Testing
@testable import QrewCore

/// The hand-written `TaskSpec.jsonText` must read back equal through `TaskSpec(jsonText:)` (what
/// workers use) and Foundation's `JSONDecoder` alike, whatever the strings hold, and the two
/// readers must agree.
struct TaskSpecJSONTests {
    /// Strings with the characters JSON must escape, every control character, and non-ASCII.
    static func randomString(_ g: inout SplitMix64) -> String {
        let pieces: [String] = [
            "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1F}", "\u{7F}",
            "é", "日本", "🚀", "\u{2028}", "\u{FEFF}", "a", "b c", "${{ steps.x.output }}", "\\u0041", "",
        ]
        var text = ""
        for _ in 0..<Int(g.next() % 8) {
            if g.next() % 3 == 0 {
                text.unicodeScalars.append(Unicode.Scalar(UInt8(g.next() % 0x80)))
            } else {
                text += pieces[Int(g.next() % UInt64(pieces.count))]
            }
        }
        return text
    }

    static func randomDictionary(_ g: inout SplitMix64) -> [String: String] {
        var values: [String: String] = [:]
        for _ in 0..<Int(g.next() % 4) { values[randomString(&g)] = randomString(&g) }
        return values
    }

    static func randomDuration(_ g: inout SplitMix64) -> Duration {
        switch g.next() % 5 {
        case 0: .zero
        case 1: .milliseconds(Int64(g.next() % 10_000_000))
        case 2: .nanoseconds(Int64(bitPattern: g.next()) / 4)
        case 3: .seconds(Int64(g.next() % 1_000_000_000_000))
        default: Duration(attoseconds: Int128(Int64(bitPattern: g.next())) << 64 | Int128(g.next()))
        }
    }

    static func randomTimeout(_ g: inout SplitMix64) -> Int? {
        switch g.next() % 4 {
        case 0: nil
        case 1: [Int.max, Int.min, 0, -1, 86_400_000 * 365][Int(g.next() % 5)]
        default: Int(g.next() % 1_000_000) - 1000
        }
    }

    static func randomSpec(_ g: inout SplitMix64) -> TaskSpec {
        let conditions = RetryPolicy.Condition.allCases.filter { _ in g.next() % 2 == 0 }
        let retry = RetryPolicy(
            maxRetries: g.next() % 8 == 0 ? Int(bitPattern: UInt(g.next())) : Int(g.next() % 5), backoff: g.next() % 2 == 0 ? .fixed : .exponential,
            initial: randomDuration(&g), cap: randomDuration(&g), jitter: g.next() % 2 == 0, retryOn: Set(conditions))
        var outputRefs: [String: [String]] = [:]
        for _ in 0..<Int(g.next() % 3) {
            outputRefs[randomString(&g)] = (0..<Int(g.next() % 3)).map { _ in randomString(&g) }
        }
        let http = g.next() % 3 == 0
            ? HTTPSpec(url: randomString(&g), method: randomString(&g), headers: randomDictionary(&g),
                       body: g.next() % 2 == 0 ? randomString(&g) : nil)
            : nil
        let similar = g.next() % 2 == 0
        let cache = g.next() % 3 == 0
            ? TaskCacheSettings(
                key: g.next() % 2 == 0 ? randomString(&g) : nil, partition: randomString(&g),
                ttlMilliseconds: Int(g.next() % 1_000_000_000), similar: similar ? randomString(&g) : nil,
                threshold: similar ? Double(g.next() % 1_000_001) / 1_000_000 : nil)
            : nil
        var spec = TaskSpec(
            runID: randomString(&g), taskID: randomString(&g), stepID: randomString(&g), type: randomString(&g),
            run: (0..<Int(g.next() % 4)).map { _ in randomString(&g) }, shell: g.next() % 2 == 0,
            env: randomDictionary(&g), cwd: g.next() % 2 == 0 ? randomString(&g) : nil, http: http,
            with: randomDictionary(&g), timeoutMilliseconds: randomTimeout(&g),
            retry: retry, outputRefs: outputRefs, cache: cache)
        spec.heartbeatTimeoutMilliseconds = randomTimeout(&g)
        if g.next() % 3 == 0 {
            var dependencies: [String: [String]] = [:]
            for _ in 0..<Int(g.next() % 3) {
                dependencies[randomString(&g)] = (0..<Int(g.next() % 3)).map { _ in randomString(&g) }
            }
            let expression = randomString(&g)
            let text = randomString(&g)
            let tolerated = g.next() % 2 == 0 ? [randomString(&g)] : []
            spec.condition = TaskCondition(expression: expression, text: text, dependencies: dependencies, tolerated: tolerated)
        }
        return spec
    }

    @Test func randomSpecsRoundTrip() throws {
        var g = SplitMix64(seed: 42)
        for _ in 0..<5000 {
            let spec = Self.randomSpec(&g)
            let text = spec.jsonText
            #expect(try TaskSpec(jsonText: text) == spec, "\(text)")
        }
    }

    /// The canonical reader (the fast path of `TaskSpec(jsonText:)`) reads every `jsonText` it
    /// takes equal to the tree reader, and takes each one with no escape, `http`, `cache` or
    /// `condition` in it.
    @Test func theCanonicalReaderAgreesWithTheTreeReader() throws {
        var g = SplitMix64(seed: 44)
        var taken = 0
        for index in 0..<5000 {
            let spec = index % 2 == 0 ? Self.randomSpec(&g) : Self.plainSpec(Self.randomSpec(&g))
            let text = spec.jsonText
            #expect(try TaskSpec(readingTree: text) == spec, "\(text)")
            let canonical = CanonicalSpecReader.spec(text)
            if let canonical {
                taken += 1
                #expect(canonical == spec, "\(text)")
            }
            if spec.http == nil, spec.cache == nil, spec.condition == nil, !text.utf8.contains(UInt8(ascii: "\\")) {
                #expect(canonical != nil, "\(text)")
            }
        }
        #expect(taken > 2000)
    }

    /// `spec` with every string rid of what JSON escapes, and no `http`, `cache` or `condition`:
    /// what workers are mostly given, and what the canonical reader takes.
    static func plainSpec(_ spec: TaskSpec) -> TaskSpec {
        func plain(_ text: String) -> String {
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: text.unicodeScalars.filter { $0.value >= 0x20 && $0 != "\"" && $0 != "\\" })
            return String(scalars)
        }
        func plain(_ values: [String: String]) -> [String: String] {
            Dictionary(values.map { (plain($0.key), plain($0.value)) }, uniquingKeysWith: { first, _ in first })
        }
        var copy = TaskSpec(
            runID: plain(spec.runID), taskID: plain(spec.taskID), stepID: plain(spec.stepID), type: plain(spec.type),
            run: spec.run.map(plain), shell: spec.shell, env: plain(spec.env), cwd: spec.cwd.map(plain), with: plain(spec.with),
            timeoutMilliseconds: spec.timeoutMilliseconds, retry: spec.retry,
            outputRefs: Dictionary(spec.outputRefs.map { (plain($0.key), $0.value.map(plain)) }, uniquingKeysWith: { first, _ in first }))
        copy.heartbeatTimeoutMilliseconds = spec.heartbeatTimeoutMilliseconds
        return copy
    }

    /// `JSONDecoder` reads `jsonText` equal too, and `TaskSpec(jsonText:)` reads what
    /// `JSONEncoder` writes (keys in any order, escaped slashes, indentation).
    @Test func agreesWithFoundation() throws {
        var g = SplitMix64(seed: 43)
        let encoder = JSONEncoder()
        for index in 0..<1000 {
            let spec = Self.randomSpec(&g)
            let text = spec.jsonText
            #expect(try JSONDecoder().decode(TaskSpec.self, from: Data(text.utf8)) == spec, "\(text)")
            // Valid JSON to any parser, not only the ones that read it back.
            #expect(try JSONSerialization.jsonObject(with: Data(text.utf8)) is [String: Any])
            encoder.outputFormatting = index % 2 == 0 ? [] : [.prettyPrinted]
            let foundationText = String(decoding: try encoder.encode(spec), as: UTF8.self)
            #expect(try TaskSpec(jsonText: foundationText) == spec, "\(foundationText)")
        }
    }

    @Test func theTextMatchesWhatJSONEncoderWritesWithSortedKeys() throws {
        let spec = TaskSpec(
            runID: "r1", taskID: "t[i=1]", stepID: "t", type: "shell", run: ["echo", "a \"b\" \\ c\n"],
            env: ["B": "2", "A": "1"], cwd: "/tmp", with: ["message": "héllo 🚀"], timeoutMilliseconds: 5000,
            retry: RetryPolicy(maxRetries: 2, initial: .milliseconds(1500), retryOn: [.failure]),
            outputRefs: ["s": ["s[i=0]", "s[i=1]"]])
        var conditional = spec
        conditional.condition = TaskCondition(
            expression: "failure() && steps.s.output == 'x'", text: "${{ failure() && steps.s.output == 'x' }}", dependencies: ["s": ["s[i=0]", "s[i=1]"], "a": ["a"]],
            tolerated: ["a"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(conditional.jsonText == String(decoding: try encoder.encode(conditional), as: UTF8.self))
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(spec.jsonText == String(decoding: try encoder.encode(spec), as: UTF8.self))
    }

    @Test func controlCharactersAreEscaped() {
        let text = TaskSpec(runID: "r", taskID: "\u{00}\u{1F}\n\"\\", stepID: "s", type: "echo").jsonText
        #expect(text.contains(#""taskID":"\u0000\u001f\n\"\\""#))
        #expect(!text.utf8.contains { $0 < 0x20 })
    }
}
