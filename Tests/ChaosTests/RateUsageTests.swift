import QrewCore
import QrewQueue
import Testing
@testable import qrew_chaos

/// The cluster-wide rate check: starts of rate-limited tasks from every run, by their `ts`,
/// at most `limit` in any span [t, t + per).
@Suite struct RateUsageTests {
    private func started(_ ms: Int, _ task: String) -> StreamEntry {
        StreamEntry(id: "\(ms)-0", fields: ["type": "task_started", "task": task, "ts": String(ms)])
    }

    private func check(_ runs: [[StreamEntry]], limit: Int = 2) -> (busiest: Int, violations: [RateUsage.Violation]) {
        var usage = RateUsage(limit: limit, perMilliseconds: 1000)
        for events in runs { usage.add(events: events) { !$0.hasPrefix("free") } }
        return usage.check()
    }

    @Test func startsSpreadOverSpansPass() {
        let result = check([[started(0, "a"), started(999, "b")], [started(1000, "c"), started(1999, "d")]])
        #expect(result.violations.isEmpty)
        #expect(result.busiest == 2)
    }

    @Test func oneStartTooManyWithinASpanOfAnyRunIsAViolation() {
        let result = check([[started(0, "a"), started(500, "b")], [started(999, "c")]])
        #expect(result.violations == [RateUsage.Violation(starts: 3, milliseconds: 999, spanStart: 0)])
    }

    @Test func tasksWithoutTheLimitAndOtherEventsDoNotCount() {
        let result = check([[
            started(0, "a"), started(1, "free1"), started(2, "free2"),
            StreamEntry(id: "3-0", fields: ["type": "task_finished", "task": "b", "ts": "3"]), started(4, "b"),
        ]])
        #expect(result.violations.isEmpty)
        #expect(result.busiest == 2)
    }

    @Test func generatedWorkflowsWithGatesValidate() throws {
        var generator = WorkflowGenerator(seed: 7, sideEffectDirectory: "/tmp/chaos-rate-test")
        var sawKey = false
        var sawRate = false
        for index in 0..<40 {
            let plan = generator.makeRun(id: "r\(index)")
            sawKey = sawKey || plan.steps.contains { $0.concurrencyKey != nil }
            sawRate = sawRate || plan.steps.contains(where: \.rateLimited)
            let workflow = try WorkflowLoader.load(text: plan.workflow, fileName: "r\(index).json")
            _ = try TaskGraph(workflow: workflow)
        }
        #expect(sawKey && sawRate, "40 runs use both keyed concurrency and the rate limit")
    }
}
