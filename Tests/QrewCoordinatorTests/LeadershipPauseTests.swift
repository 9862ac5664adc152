import Testing

@testable import QrewCoordinator

/// `Leadership.pause(for:)`: the wait between two passes of a leader's loop, one timer that
/// `resign()` or a cancellation ends at once (a stopping coordinator releases its lease without
/// waiting out the pause).
@Suite("leadership pause")
struct LeadershipPauseTests {
    @Test func resigningEndsEveryPauseUnderWay() async {
        let leadership = Leadership()
        leadership.set("c1:1")
        let clock = ContinuousClock()
        let started = clock.now
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await leadership.pause(for: .seconds(60)) } }
            try? await Task.sleep(for: .milliseconds(50))
            #expect(leadership.resign() == "c1:1")
            await group.waitForAll()
        }
        #expect(clock.now - started < .seconds(30), "the pauses ran their 60 s")
        // Once resigned, a pause returns at once.
        await leadership.pause(for: .seconds(60))
        #expect(clock.now - started < .seconds(30))
    }

    @Test func cancellingTheLoopEndsItsPause() async {
        let leadership = Leadership()
        let clock = ContinuousClock()
        let started = clock.now
        let pausing = Task { await leadership.pause(for: .seconds(60)) }
        try? await Task.sleep(for: .milliseconds(50))
        pausing.cancel()
        await pausing.value
        #expect(clock.now - started < .seconds(30), "the pause ran its 60 s")
    }

    @Test func aPauseEndsWhenItsTimeIsUp() async {
        let leadership = Leadership()
        leadership.set("c1:1")
        await leadership.pause(for: .milliseconds(20))
        #expect(leadership.fence == "c1:1")
    }
}
