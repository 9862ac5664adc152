@testable import QrewCoordinator
import Testing

struct DurationEstimatesCacheTests {
    @Test func aWorkflowIsReadOncePerMaxAge() {
        let cache = DurationEstimatesCache(maxAge: .seconds(3600))
        var reads = 0
        for _ in 0..<5 {
            let estimates = cache.estimates(workflow: "w") {
                reads += 1
                return ["a": .seconds(2)]
            }
            #expect(estimates == ["a": .seconds(2)])
        }
        #expect(reads == 1)
    }

    @Test func olderEstimatesAreReadAgain() {
        let cache = DurationEstimatesCache(maxAge: .zero)
        var reads = 0
        for _ in 0..<3 { _ = cache.estimates(workflow: "w") { reads += 1; return [:] } }
        #expect(reads == 3)
    }

    @Test func theWorkflowReadLongestAgoLeavesFirst() {
        let cache = DurationEstimatesCache(maxAge: .seconds(3600), capacity: 2)
        var reads: [String] = []
        for name in ["a", "b", "c", "b", "a"] {
            _ = cache.estimates(workflow: name) { reads.append(name); return [:] }
        }
        #expect(reads == ["a", "b", "c", "a"], "c pushed out a; b stayed")
    }
}

struct LearningThrottleTests {
    @Test func aWorkflowIsLearnedFromOncePerInterval() {
        let throttle = LearningThrottle(interval: .seconds(3600))
        #expect(throttle.shouldLearn("a"))
        #expect(!throttle.shouldLearn("a"))
        #expect(throttle.shouldLearn("b"), "workflows are throttled apart")
        #expect(LearningThrottle(interval: .zero).shouldLearn("a"))
    }

    @Test func itForgetsWorkflowsPastTheirIntervalWhenFull() {
        let throttle = LearningThrottle(interval: .zero, capacity: 2)
        for name in ["a", "b", "c", "a"] { #expect(throttle.shouldLearn(name)) }
    }
}
