import Testing
@testable import QrewCore

/// The p50 and bounded history behind learned duration estimates.
struct DurationSamplesTests {
    @Test(arguments: [
        ([Int](), nil), ([5], 5), ([9, 1], 5), ([3, 1, 2], 2), ([1, 2, 3, 100], 2), ([4, 4, 4, 1_000_000], 4),
    ] as [([Int], Int?)])
    func medianIsTheMiddleValue(_ values: [Int], _ expected: Int?) {
        #expect(DurationSamples.median(values) == expected)
    }

    @Test func historyKeepsTheNewestSamplesOnly() {
        var samples = DurationSamples()
        for ms in 1...(DurationSamples.capacity + 5) { samples.record(ms) }
        #expect(samples.samples == Array(6...(DurationSamples.capacity + 5)))
        samples.record(-1)
        #expect(samples.samples.count == DurationSamples.capacity)
        #expect(samples.median == (15 + 16) / 2)
    }

    @Test func storedTextRoundTripsAndSkipsGarbage() {
        let samples = DurationSamples([300, 100, 200])
        #expect(samples.text == "300,100,200")
        #expect(DurationSamples(text: samples.text) == samples)
        #expect(DurationSamples(text: "12,x,,-4,7").samples == [12, 7])
        #expect(DurationSamples(text: (1...50).map(String.init).joined(separator: ",")).samples == Array(31...50))
    }

    @Test func aRunGivesOneSamplePerStepTheMedianOfItsTasks() {
        let samples = DurationSamples.runSamples([
            ("build", 0, 100), ("build", 10, 310), ("build", 0, 1000),
            ("test", 50, 80), ("broken", 100, 50),
        ])
        #expect(samples == ["build": 300, "test": 30])
    }
}
