import Foundation
import QrewQueue
import Testing
@testable import qrew_chaos

/// The chaos checks of dynamic fan-outs and schedules must ring too: a run `list -> fan (2
/// elements) -> gather` verified whole, then with its join out of order or expanded twice; and
/// the ticks a schedule owes, with a gap, a stray run, a doubled `fired` count, or no firing.
@Suite struct FanOutAndScheduleVerifierTests {
    private let plan = PlannedRun(
        runID: "r1",
        steps: [
            PlannedRun.Step(id: "list", dependsOn: [], matrixSize: 0, action: .list(items: ["e0", "e1"]), pool: nil),
            PlannedRun.Step(id: "fan", dependsOn: ["list"], matrixSize: 0,
                            action: .fanOut(source: "list", items: ["e0", "e1"], sleepMilliseconds: 0), pool: nil),
            PlannedRun.Step(id: "gather", dependsOn: ["fan"], matrixSize: 0, action: .gather(fanOut: "fan"), pool: nil),
        ],
        workflow: "{}", sideEffectPath: "")

    private static let joined = #"["r1 fan[0] 1 e0","r1 fan[1] 1 e1"]"#

    private func snapshot(join: String = joined, extra: [[String: String]] = []) -> RunSnapshot {
        func task(_ id: String, _ step: String, _ output: String) -> [String: String] {
            ["id": id, "step": step, "state": "succeeded", "attempt": "1", "output": output]
        }
        var join = task("fan", "fan", join)
        join["children"] = #"["fan[0]","fan[1]"]"#
        return RunSnapshot(id: "r1", fields: ["state": "succeeded", "finishedAt": "2000"], tasks: [
            task("list", "list", #"["e0","e1"]"#), join, task("gather", "gather", Self.joined),
            task("fan[0]", "fan", "r1 fan[0] 1 e0"), task("fan[1]", "fan", "r1 fan[1] 1 e1"),
        ] + extra)
    }

    private func effects() throws -> SideEffects {
        let lines = ["r1 list 1 start 100", "r1 list 1 end 110", "r1 fan[0] 1 start 200", "r1 fan[0] 1 end 210",
                     "r1 fan[1] 1 start 200", "r1 fan[1] 1 end 220", "other-run s0 1 start 5"]
        let path = NSTemporaryDirectory() + "/qrew-chaos-fanout-\(UUID().uuidString).log"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return SideEffects(path: path, runID: "r1")
    }

    private func verify(_ snapshot: RunSnapshot) throws -> ChaosReport {
        var report = ChaosReport()
        RunVerifier(plan: plan, snapshot: snapshot, events: [], effects: try effects()).verify(into: &report)
        return report
    }

    @Test func aWholeFanOutPassesAndIsCounted() throws {
        let report = try verify(snapshot())
        #expect(report.passed, "\(report.problems.map(\.detail))")
        #expect(report.fanOuts == 1 && report.fanOutTasks == 2)
    }

    @Test func aJoinOutOfOrderOrAFanOutExpandedTwiceIsDoubled() throws {
        #expect(try verify(snapshot(join: #"["r1 fan[1] 1 e1","r1 fan[0] 1 e0"]"#)).count(.doubled) == 1)
        let again = ["id": "fan[2]", "step": "fan", "state": "succeeded", "attempt": "1", "output": "r1 fan[2] 1 e0"]
        let report = try verify(snapshot(extra: [again]))
        #expect(report.count(.doubled) >= 1 && report.fanOuts == 0, "\(report.problems.map(\.detail))")
    }

    private static let tick = 1_796_475_900_000  // a whole minute
    private static func runID(_ tick: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmm"
        return "tick-01-" + formatter.string(from: Date(timeIntervalSince1970: Double(tick) / 1000))
    }

    @Test func aScheduleOwesEveryMinuteFromItsFirstRunThroughItsLastTick() {
        var report = ChaosReport()
        let outcome = ChaosSchedules.Outcome(name: "tick-01", lastTick: Self.tick + 120_000, fired: 3, caughtUp: true)
        let stored = [Self.runID(Self.tick), Self.runID(Self.tick + 120_000), "tick-010-20261205-1305", "run-001"]
        let owed = ChaosSchedules.expectedRuns(outcome, storedRunIDs: stored, into: &report)
        #expect(owed == [Self.tick, Self.tick + 60_000, Self.tick + 120_000].map(Self.runID))
        #expect(report.passed, "\(report.problems.map(\.detail))")
    }

    @Test func aDoubledCountAStrayRunOrNoFiringIsReported() {
        var doubled = ChaosReport()
        _ = ChaosSchedules.expectedRuns(
            ChaosSchedules.Outcome(name: "tick-01", lastTick: Self.tick, fired: 2, caughtUp: true),
            storedRunIDs: [Self.runID(Self.tick)], into: &doubled)
        #expect(doubled.count(.doubled) == 1)
        var stray = ChaosReport()
        _ = ChaosSchedules.expectedRuns(
            ChaosSchedules.Outcome(name: "tick-01", lastTick: Self.tick, fired: 1, caughtUp: true),
            storedRunIDs: [Self.runID(Self.tick), Self.runID(Self.tick + 60_000)], into: &stray)
        #expect(stray.count(.doubled) == 1)
        var never = ChaosReport()
        #expect(ChaosSchedules.expectedRuns(
            ChaosSchedules.Outcome(name: "tick-01", lastTick: nil, fired: 0, caughtUp: false), storedRunIDs: [], into: &never).isEmpty)
        #expect(never.count(.lost) == 1)
    }
}
