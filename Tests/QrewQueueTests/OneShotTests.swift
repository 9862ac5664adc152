@testable import QrewQueue
import Testing

/// The slot an async caller waits in for a value that another thread sets once.
struct OneShotTests {
    @Test func aValueSetBeforeTheWaitComesBackAsItsOwnTypeNilIncluded() async {
        let slot = OneShot<Int?>()
        #expect(slot.current == nil)
        slot.fulfill(nil)
        #expect(await slot.value == nil)
        #expect(slot.current == .some(nil))
    }

    @Test func everyWaiterGetsAValueSetAfterItStartedWaiting() async {
        let slot = OneShot<String>()
        async let first = slot.value
        async let second = slot.value
        try? await Task.sleep(for: .milliseconds(20))
        slot.fulfill("done")
        #expect(await first == "done")
        #expect(await second == "done")
        #expect(slot.current == "done")
    }
}
