import Testing
@testable import QrewCore

/// Properties of the MinHash signatures behind `cache.similar`.
struct MinHashTests {
    /// Deterministic pseudo-random texts from a small vocabulary.
    private static func texts(count: Int, words: Int, seed: UInt64) -> [String] {
        var generator = SplitMix64(seed: seed)
        let vocabulary = (0..<200).map { "w\($0)" }
        return (0..<count).map { _ in
            (0..<words).map { _ in vocabulary[Int(generator.next() % UInt64(vocabulary.count))] }.joined(separator: " ")
        }
    }

    @Test func identicalTextsAreFullySimilarWhateverTheirCaseAndPunctuation() throws {
        for text in Self.texts(count: 20, words: 30, seed: 1) {
            let a = try #require(MinHashSignature(text: text))
            let b = try #require(MinHashSignature(text: text.uppercased().replacingOccurrences(of: " ", with: ",  ")))
            #expect(a.similarity(to: b) == 1)
            #expect(a.values.count == MinHashSignature.hashCount)
        }
    }

    @Test func disjointTextsAreAboutZero() throws {
        for (a, b) in zip(Self.texts(count: 20, words: 30, seed: 2), Self.texts(count: 20, words: 30, seed: 3)) {
            let left = try #require(MinHashSignature(text: a)), right = try #require(MinHashSignature(text: "zz " + b))
            guard MinHashSignature.exactSimilarity(a, "zz " + b) == 0 else { continue }
            #expect(left.similarity(to: right) <= 0.1)
        }
    }

    @Test func theEstimateTracksTheExactJaccardAndFallsAsTextsDiverge() throws {
        for base in Self.texts(count: 10, words: 60, seed: 4) {
            var words = base.split(separator: " ").map(String.init)
            let signature = try #require(MinHashSignature(text: base))
            var previous = 1.0
            var estimates: [Double] = []
            for step in 0..<6 {
                for index in stride(from: step, to: words.count, by: 6) { words[index] = "x\(index)" }
                let changed = words.joined(separator: " ")
                let estimate = signature.similarity(to: try #require(MinHashSignature(text: changed)))
                let exact = MinHashSignature.exactSimilarity(base, changed)
                #expect(abs(estimate - exact) <= 0.25, "estimate \(estimate) vs exact \(exact)")
                estimates.append(estimate)
                #expect(exact <= previous)
                previous = exact
            }
            #expect(estimates.last! < estimates.first! || estimates.first! == 0)
        }
    }

    @Test func shortAndEmptyTexts() {
        #expect(MinHashSignature.shingles(of: "Hello, World!") == ["hello world"])
        #expect(MinHashSignature.shingles(of: "a b c d") == ["a b c", "b c d"])
        #expect(MinHashSignature(text: " ... ") == nil)
    }

    @Test func bandsSplitTheSignature() throws {
        let signature = try #require(MinHashSignature(text: "one two three four"))
        #expect(signature.bands.count == MinHashSignature.bandCount)
        #expect(signature.bands[0].hasPrefix("0:"))
        #expect(MinHashSignature(values: signature.text.split(separator: ",").compactMap { UInt32($0) }) == signature)
    }
}
