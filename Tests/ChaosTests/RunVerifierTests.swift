import Foundation
import QrewQueue
import Testing
@testable import qrew_chaos

/// The detectors must ring: a verifier that never reports anything would make the chaos run
/// pass vacuously. Each case builds the three records (task hashes, run stream, side effects)
/// of a two-step run `a -> b` and breaks one invariant.
@Suite struct RunVerifierTests {
    private let plan = PlannedRun(
        runID: "r1",
        steps: [
            PlannedRun.Step(id: "a", dependsOn: [], matrixSize: 0, action: .shell(sleepMilliseconds: 0), pool: nil),
            PlannedRun.Step(id: "b", dependsOn: ["a"], matrixSize: 0, action: .shell(sleepMilliseconds: 0), pool: nil),
        ],
        workflow: "{}", sideEffectPath: "")

    private func snapshot(a: [String: String] = [:], b: [String: String] = [:]) -> RunSnapshot {
        let a = ["id": "a", "step": "a", "state": "succeeded", "attempt": "1", "output": "r1 a 1"].merging(a) { $1 }
        let b = ["id": "b", "step": "b", "state": "succeeded", "attempt": "1", "output": "r1 b 1"].merging(b) { $1 }
        return RunSnapshot(id: "r1", fields: ["state": "succeeded", "finishedAt": "2000"], tasks: [a, b])
    }

    private func events(_ list: [[String: String]]) -> [StreamEntry] {
        list.enumerated().map { StreamEntry(id: "\($0.offset + 1)-0", fields: $0.element) }
    }

    private let inOrder: [[String: String]] = [
        ["type": "task_started", "task": "a", "attempt": "1", "ts": "100"],
        ["type": "task_finished", "task": "a", "state": "succeeded", "attempt": "1", "ts": "200"],
        ["type": "task_started", "task": "b", "attempt": "1", "ts": "300"],
        ["type": "task_finished", "task": "b", "state": "succeeded", "attempt": "1", "ts": "400"],
    ]

    private func effects(_ lines: [String]) throws -> SideEffects {
        let path = NSTemporaryDirectory() + "/qrew-chaos-verifier-\(UUID().uuidString).log"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return SideEffects(path: path, runID: "r1")
    }

    private func verify(_ snapshot: RunSnapshot, _ events: [StreamEntry], _ effects: SideEffects) -> ChaosReport {
        var report = ChaosReport()
        RunVerifier(plan: plan, snapshot: snapshot, events: events, effects: effects).verify(into: &report)
        return report
    }

    private let goodLines = ["r1 a 1 start 110", "r1 a 1 end 150", "r1 b 1 start 310", "r1 b 1 end 350"]

    @Test func aCleanRunPasses() throws {
        #expect(verify(snapshot(), events(inOrder), try effects(goodLines)).passed)
    }

    @Test func aDuplicatedSideEffectOfALostAttemptIsNotAProblem() throws {
        let lines = ["r1 a 1 start 110", "r1 a 2 start 120", "r1 a 2 end 150", "r1 b 1 start 310", "r1 b 1 end 350", "r1 a 1 end 900"]
        let report = verify(snapshot(a: ["attempt": "2", "output": "r1 a 2"]),
                            events(inOrder.map { $0["task"] == "a" ? $0.merging(["attempt": "2"]) { $1 } : $0 }),
                            try effects(lines))
        #expect(report.passed, "\(report.problems.map(\.detail))")
    }

    @Test func aTaskStartedBeforeItsDependencyEndedIsAnOrderViolation() throws {
        let lines = ["r1 a 1 start 110", "r1 b 1 start 120", "r1 a 1 end 150", "r1 b 1 end 350"]
        #expect(verify(snapshot(), events(inOrder), try effects(lines)).count(.order) == 1)
        let swapped = [inOrder[0], inOrder[2], inOrder[1], inOrder[3]]
        #expect(verify(snapshot(), events(swapped), try effects(goodLines)).count(.order) == 1)
    }

    @Test func aSecondSuccessOrAStaleOutputIsDoubled() throws {
        let twice = inOrder + [["type": "task_finished", "task": "b", "state": "succeeded", "attempt": "2", "ts": "500"]]
        #expect(verify(snapshot(), events(twice), try effects(goodLines)).count(.doubled) == 1)
        #expect(verify(snapshot(b: ["output": "r1 b 7"]), events(inOrder), try effects(goodLines)).count(.doubled) == 1)
    }

    @Test func aSucceededRunWithATaskNotSucceededOrNeverEndedIsLost() throws {
        #expect(verify(snapshot(b: ["state": "failed"]), events(inOrder), try effects(goodLines)).count(.lost) == 1)
        #expect(verify(snapshot(), events(inOrder), try effects(Array(goodLines.dropLast()))).count(.lost) == 1)
    }

    @Test func aRunThatDidNotFinishIsUnfinished() throws {
        let open = RunSnapshot(id: "r1", fields: ["state": "running"], tasks: snapshot().tasks)
        #expect(verify(open, events(inOrder), try effects(goodLines)).count(.unfinished) == 1)
    }

    @Test func timestampsOutOfOrderOnRedissClockAreOrderViolations() throws {
        let a = ["queuedAt": "100", "startedAt": "110", "finishedAt": "200"]
        let clean = verify(snapshot(a: a, b: ["queuedAt": "200", "startedAt": "300", "finishedAt": "400"]), events(inOrder), try effects(goodLines))
        #expect(clean.count(.order) == 0)
        let startedBeforeQueued = snapshot(a: a, b: ["queuedAt": "301", "startedAt": "300", "finishedAt": "400"])
        #expect(verify(startedBeforeQueued, events(inOrder), try effects(goodLines)).count(.order) == 1)
        let finishedBeforeStarted = snapshot(a: a, b: ["queuedAt": "200", "startedAt": "300", "finishedAt": "299"])
        #expect(verify(finishedBeforeStarted, events(inOrder), try effects(goodLines)).count(.order) == 1)
        let startedBeforeDependencyFinished = snapshot(a: a, b: ["queuedAt": "150", "startedAt": "199", "finishedAt": "400"])
        #expect(verify(startedBeforeDependencyFinished, events(inOrder), try effects(goodLines)).count(.order) == 1)
    }
}
