import Foundation
import Testing
@testable import QrewCore

/// `schedule:` in a workflow file (decoded, validated with a location) and the pure firing plan
/// (`ScheduleSpec.plan`): first tick, on-time ticks, catchUp none / one / all, bounds.
struct ScheduleSpecTests {
    static let minute: TimeInterval = 60
    static let start = Date(timeIntervalSince1970: 1_796_000_400)  // a whole minute

    @Test func aWorkflowScheduleIsDecoded() throws {
        let text = """
            name: nightly
            schedule: { cron: "0 2 * * *", timezone: Europe/Paris, catchUp: all, overlap: cancelPrevious }
            steps:
              - id: a
                type: echo
            """
        let workflow = try WorkflowLoader.load(text: text, fileName: "w.yaml")
        #expect(workflow.schedule == ScheduleSpec(cron: "0 2 * * *", timeZone: "Europe/Paris", catchUp: .all, overlap: .cancelPrevious))
        let plain = try WorkflowLoader.load(text: "name: w\nsteps:\n  - id: a\n    type: echo\n", fileName: "w.yaml")
        #expect(plain.schedule == nil)
    }

    @Test(arguments: [
        ("{ cron: \"61 * * * *\" }", "column 1", "out of range"),
        ("{ cron: \"* * *\" }", "'cron'", "expected 5 fields"),
        ("{ cron: \"@daily\", timezone: Mars/Olympus }", "unknown time zone", "Mars/Olympus"),
        ("{ cron: \"@daily\", catchUp: some }", "'catchUp' cannot be 'some'", "some"),
        ("{ cron: \"@daily\", overlap: queue }", "'overlap' cannot be 'queue'", "queue"),
        ("{ cron: \"@daily\", every: 5m }", "unknown key 'every'", "every"),
        ("{ timezone: UTC }", "needs a 'cron'", "cron"),
    ])
    func aBadScheduleIsALocatedProblem(schedule: String, message: String, detail: String) throws {
        let text = "name: w\nschedule: \(schedule)\nsteps:\n  - id: a\n    type: echo\n"
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        let problem = try #require(error.problems.first)
        #expect(problem.message.contains(message) && problem.message.contains(detail), "\(problem.message)")
        #expect(problem.line == 2 && problem.hint != nil, "\(problem)")
    }

    @Test func aNewScheduleOnlyLearnsItsFirstTick() throws {
        let plan = try ScheduleSpec(cron: "*/5 * * * *").plan(next: nil, now: Self.start.addingTimeInterval(30))
        #expect(plan.fire.isEmpty)
        #expect(plan.next == Self.start.addingTimeInterval(5 * Self.minute))
    }

    @Test func aTickNotYetDueFiresNothing() throws {
        let next = Self.start.addingTimeInterval(Self.minute)
        #expect(try ScheduleSpec(cron: "* * * * *").plan(next: next, now: Self.start) == SchedulePlan(fire: [], next: next))
    }

    @Test(arguments: ScheduleSpec.CatchUp.allCases)
    func anOnTimeTickFiresUnderEveryPolicy(catchUp: ScheduleSpec.CatchUp) throws {
        let plan = try ScheduleSpec(cron: "* * * * *", catchUp: catchUp).plan(next: Self.start, now: Self.start.addingTimeInterval(2))
        #expect(plan.fire == [Self.start])
        #expect(plan.next == Self.start.addingTimeInterval(Self.minute))
    }

    @Test func missedTicksFollowTheCatchUpPolicy() throws {
        let now = Self.start.addingTimeInterval(10 * Self.minute + 5 * Self.minute)  // 15 ticks missed, last 5 min late
        let expectedNext = Self.start.addingTimeInterval(20 * Self.minute)
        let every5 = "*/5 * * * *"
        let none = try ScheduleSpec(cron: every5, catchUp: .none).plan(next: Self.start, now: now.addingTimeInterval(120))
        #expect(none.fire.isEmpty && none.next == expectedNext)
        let one = try ScheduleSpec(cron: every5, catchUp: .one).plan(next: Self.start, now: now)
        #expect(one.fire == [Self.start.addingTimeInterval(15 * Self.minute)] && one.next == expectedNext)
        let all = try ScheduleSpec(cron: every5, catchUp: .all).plan(next: Self.start, now: now)
        #expect(all.fire == [0, 5, 10, 15].map { Self.start.addingTimeInterval(Double($0) * Self.minute) })
        #expect(all.next == expectedNext)
    }

    @Test func catchUpAllIsBoundedToTheLatestTicks() throws {
        let now = Self.start.addingTimeInterval(30 * 86_400)  // a month of minutes
        let plan = try ScheduleSpec(cron: "* * * * *", catchUp: .all).plan(next: Self.start, now: now)
        #expect(plan.fire.count == ScheduleSpec.catchUpLimit)
        #expect(plan.fire.last == now)
        #expect(plan.fire.first == now.addingTimeInterval(-Double(ScheduleSpec.catchUpLimit - 1) * Self.minute))
    }

    @Test func runIDsNameTheScheduleAndTheTickInUTC() {
        #expect(ScheduleSpec.runID(schedule: "nightly", tick: Date(timeIntervalSince1970: 1_796_436_000)) == "nightly-20261205-0200")
        #expect(ScheduleSpec.isValidName("nightly-report_v2.1"))
        #expect(!ScheduleSpec.isValidName("") && !ScheduleSpec.isValidName("a b") && !ScheduleSpec.isValidName(String(repeating: "a", count: 65)))
    }
}
