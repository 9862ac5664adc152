import QrewQueue
import Testing
@testable import qrew_chaos

/// The cluster-wide pool check: leases are paired per task in stream order, timed by the
/// entry ids (Redis time), and swept across runs with ends before starts at the same ms.
@Suite struct PoolUsageTests {
    /// A stream entry at `ms` (its id) for `task`.
    private func event(_ ms: Int, _ type: String, _ task: String, _ extra: [String: String] = [:]) -> StreamEntry {
        StreamEntry(id: "\(ms)-0", fields: ["type": type, "task": task, "ts": "1"].merging(extra) { $1 })
    }

    private func check(_ runs: [String: [StreamEntry]], sizes: [String: Int] = ["db": 1]) -> (maxInFlight: [String: Int], violations: [PoolUsage.Violation]) {
        var usage = PoolUsage(sizes: sizes)
        for (run, events) in runs.sorted(by: { $0.key < $1.key }) {
            usage.add(runID: run, events: events) { $0.hasPrefix("free") ? nil : "db" }
        }
        return usage.check()
    }

    @Test func leasesOfTwoRunsThatTakeTurnsPass() {
        let result = check([
            "r1": [event(100, "task_started", "a"), event(200, "task_finished", "a", ["state": "succeeded"])],
            "r2": [event(200, "task_started", "b"), event(300, "task_retrying", "b", ["outcome": "lost"]),
                   event(300, "task_started", "b"), event(400, "task_handed_back", "b")],
        ])
        #expect(result.violations.isEmpty)
        #expect(result.maxInFlight == ["db": 1])
    }

    @Test func overlappingLeasesOfTwoRunsAreAViolation() {
        let result = check([
            "r1": [event(100, "task_started", "a"), event(300, "task_finished", "a", ["state": "succeeded"])],
            "r2": [event(250, "task_started", "b"), event(400, "task_finished", "b", ["state": "succeeded"])],
        ])
        #expect(result.violations == [PoolUsage.Violation(pool: "db", inFlight: 2, size: 1, milliseconds: 250, ref: "r2/b", others: ["r1/a"])])
        #expect(result.maxInFlight == ["db": 2])
    }

    @Test func aLeaseNeverEndedStaysInFlight() {
        let result = check([
            "r1": [event(100, "task_started", "a")],
            "r2": [event(5000, "task_started", "b"), event(6000, "task_finished", "b", ["state": "succeeded"])],
        ])
        #expect(result.violations.count == 1)
    }

    @Test func aLeaseWithinOneMillisecondOverlapsNothingAndEndsWithoutALeaseAreIgnored() {
        let result = check([
            "r1": [event(100, "task_started", "a"), event(100, "task_finished", "a", ["state": "succeeded"]),
                   event(100, "task_started", "c"), event(150, "task_finished", "c", ["state": "succeeded"])],
            "r2": [event(90, "task_finished", "b", ["state": "canceled"]), event(150, "task_started", "b"),
                   event(160, "task_finished", "b", ["state": "succeeded"]), event(170, "task_finished", "b", ["state": "skipped"])],
        ])
        #expect(result.violations.isEmpty)
    }

    @Test func tasksOutsideThePoolAndPoolsOfOtherSizesCountApart() {
        let result = check([
            "r1": [event(100, "task_started", "free1"), event(100, "task_started", "a"),
                   event(300, "task_finished", "a", ["state": "succeeded"]), event(300, "task_finished", "free1", ["state": "succeeded"])],
            "r2": [event(100, "task_started", "free2"), event(400, "task_finished", "free2", ["state": "succeeded"])],
        ])
        #expect(result.violations.isEmpty)
        #expect(result.maxInFlight == ["db": 1])
    }

    @Test func theEntryIdIsTheClockNotTheCallersTs() {
        // A claim delayed by a partition carries an old `ts` but is written (id) after the slot freed.
        let result = check([
            "r1": [event(100, "task_started", "a"), event(300, "task_finished", "a", ["state": "succeeded"])],
            "r2": [StreamEntry(id: "300-1", fields: ["type": "task_started", "task": "b", "ts": "150"]),
                   event(400, "task_finished", "b", ["state": "succeeded"])],
        ])
        #expect(result.violations.isEmpty)
    }
}
