import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Testing
@testable import QrewWorker

/// The worker service against a real redis-server. Serialized (nested suites included): the
/// timing checks below should not compete with each other for 2 cores.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct WorkerServiceTests {
    @Test func runsEchoAndShellTasksAndRecordsOutputsAndExitCodes() async throws {
        try await withWorkerFixture { fixture in
            try await fixture.submit("r1", [
                try taskRecord("r1", "hello", type: "echo", with: ["message": "hi there"]),
                try taskRecord("r1", "ok", argv: ["sh", "-c", "echo first; echo \"$QREW_RUN_ID/$QREW_TASK_ID#$QREW_ATTEMPT\""]),
                try taskRecord("r1", "bad", argv: ["sh", "-c", "echo oops >&2; exit 3"]),
                try taskRecord("r1", "missing", argv: ["no-such-program-qrew"]),
            ])
            try await running(try fixture.worker()) {
                for task in ["hello", "ok"] {
                    try await fixture.expect("r1", task, state: "succeeded")
                }
                for task in ["bad", "missing"] {
                    try await fixture.expect("r1", task, state: "failed")
                }
            }
            #expect(try await fixture.field("r1", "hello", "output") == "hi there")
            #expect(try await fixture.field("r1", "ok", "output") == "r1/ok#1")
            #expect(try await fixture.field("r1", "ok", "exitCode") == "0")
            #expect(try await fixture.field("r1", "bad", "exitCode") == "3")
            #expect(try await fixture.field("r1", "bad", "error")?.contains("exited with status 3: oops") == true)
            #expect(try await fixture.field("r1", "missing", "error")?.contains("no such executable") == true)
        }
    }

    @Test func anUndecodableSpecFailsTheTaskWithAClearError() async throws {
        try await withWorkerFixture { fixture in
            let broken = TaskRecord(
                id: "x", step: "x", queue: "default", priority: 10, deps: 0, dependents: [], limits: ["run"],
                refs: [], spec: #"{"type": 42}"#, maxAttempts: 3, continueOnError: false)
            try await fixture.submit("r1", [broken, try taskRecord("r1", "nap", type: "sleep", with: ["duration": "soon"])])
            try await running(try fixture.worker()) {
                try await fixture.expect("r1", "x", state: "failed")
                try await fixture.expect("r1", "nap", state: "failed")
            }
            #expect(try await fixture.field("r1", "x", "error") == "cannot decode the task spec: runID: missing")
            #expect(try await fixture.field("r1", "nap", "error")?.contains("'soon' is not a duration") == true)
            try await fixture.applyEvents()
            let letter = try #require(try await fixture.queue.deadLetters().first { $0.task == "x" })
            #expect(letter.reason.hasPrefix("cannot decode the task spec"))
            #expect(letter.attempts == 1)
        }
    }

    @Test func outputLinesLandInTheRunsEventStream() async throws {
        try await withWorkerFixture { fixture in
            try await fixture.submit("r1", [
                try taskRecord("r1", "talk", argv: ["sh", "-c", "echo one; echo two; echo warn >&2"]),
                try taskRecord("r1", "quiet", argv: ["true"]),
            ])
            try await running(try fixture.worker()) {
                try await fixture.expect("r1", "talk", state: "succeeded")
                try await fixture.expect("r1", "quiet", state: "succeeded")
            }
            #expect(try await fixture.outputLines("r1", "talk", "stdout") == ["one", "two"])
            #expect(try await fixture.outputLines("r1", "talk", "stderr") == ["warn"])
            #expect(try await fixture.outputLines("r1", "quiet", "stdout").isEmpty)
            #expect(try await fixture.outputLines("r1", "quiet", "stderr").isEmpty)
        }
    }

    @Test func linesPrintedAsATaskEndsTravelInsideItsResult() async throws {
        try await withWorkerFixture { fixture in
            try await fixture.submit("r1", [
                try taskRecord("r1", "hello", type: "echo", with: ["message": "hi there"]),
                try taskRecord("r1", "oops", type: "fail", with: ["message": "it broke"]),
            ])
            try await running(try fixture.worker()) {
                try await fixture.expect("r1", "hello", state: "succeeded")
                try await fixture.expect("r1", "oops", state: "failed")
            }
            let events = try await fixture.events("r1")
            for (task, stream, line) in [("hello", "stdout", "hi there"), ("oops", "stderr", "it broke")] {
                let own = events.filter { $0["task"] == task }
                // no `output` entry ahead of the result: the line is in `task_finished`
                #expect(own.map { $0["type"] } == ["task_started", "task_finished"], "\(task): \(own)")
                #expect(own.last?[stream] == line)
            }
        }
    }

    @Test func aRunningTasksOutputStreamsBeforeItEnds() async throws {
        try await withWorkerFixture { fixture in
            try await fixture.submit("r1", [try taskRecord("r1", "slow", argv: ["sh", "-c", "echo started; sleep 3"])])
            try await running(try fixture.worker()) {
                let streamed = try await fixture.eventually(.seconds(2)) {
                    try await fixture.outputLines("r1", "slow", "stdout") == ["started"]
                }
                #expect(streamed, "the line printed at the start should reach the stream within the output delay")
                #expect(try await fixture.field("r1", "slow", "state") == "running")
            }
        }
    }

    @Test func aStepOutputReachesTheDependentsArgv() async throws {
        try await withWorkerFixture { fixture in
            try await fixture.submit("r1", [
                try taskRecord("r1", "a", argv: ["sh", "-c", "echo from-a"], before: ["b"]),
                try taskRecord(
                    "r1", "b", argv: ["sh", "-c", "echo \"got:$1\"", "sh", "${{ steps.a.output }}"], after: ["a"],
                    outputRefs: ["a": ["a"]]),
            ])
            try await running(try fixture.worker()) {
                try await fixture.expect("r1", "a", state: "succeeded")
                try await fixture.applyEvents()
                try await fixture.expect("r1", "b", state: "succeeded")
            }
            #expect(try await fixture.field("r1", "b", "output") == "got:from-a")
        }
    }

    @Test func claimsFollowPriorityWithOneSlot() async throws {
        try await withWorkerFixture { fixture in
            try await fixture.submit("r1", [
                try taskRecord("r1", "low", type: "echo", with: ["message": "l"], priority: 10),
                try taskRecord("r1", "high", type: "echo", with: ["message": "h"], priority: 50),
                try taskRecord("r1", "mid", type: "echo", with: ["message": "m"], priority: 30),
            ])
            try await running(try fixture.worker(concurrency: 1)) {
                try await fixture.expect("r1", "low", state: "succeeded")
            }
            let started = try await fixture.events("r1").filter { $0["type"] == "task_started" }.compactMap { $0["task"] }
            #expect(started == ["high", "mid", "low"])
        }
    }

    @Test func anIdleWorkerBlocksInRedisAndStartsAPushedTaskAtOnce() async throws {
        try await withWorkerFixture { fixture in
            try await running(try fixture.worker()) {
                // Let it go idle, then count the commands it sends in one idle second.
                try await Task.sleep(for: .milliseconds(300))
                _ = try await fixture.redis.send("CONFIG", "RESETSTAT")
                try await Task.sleep(for: .seconds(1))
                let stats = try await fixture.redis.send("INFO", "commandstats").string ?? ""
                let calls = stats.split(separator: "\r\n").filter { $0.hasPrefix("cmdstat_evalsha:") || $0.hasPrefix("cmdstat_blpop:") }
                    .compactMap { line in line.split(separator: "=").dropFirst().first?.split(separator: ",").first.flatMap { Int($0) } }
                #expect(calls.reduce(0, +) <= 4, "an idle worker should block, not poll: \(stats)")

                var latencies: [Int] = []
                for index in 0..<5 {
                    let run = "push\(index)"
                    let pushedAt = Int(Date().timeIntervalSince1970 * 1000)
                    try await fixture.submit(run, [try taskRecord(run, "t", type: "echo", with: ["message": "x"])])
                    try await fixture.expect(run, "t", state: "succeeded")
                    let started = try await fixture.events(run).first { $0["type"] == "task_started" }
                    latencies.append((started?["ts"].flatMap { Int($0) } ?? .max) - pushedAt)
                    try await Task.sleep(for: .milliseconds(100))
                }
                let median = latencies.sorted()[2]
                print("push-to-start latency (ms): \(latencies), median \(median)")
                #expect(median < 50, "push-to-start latencies \(latencies) ms")
            }
        }
    }

    /// docs/protocol.md, *Successors*: each step of a chain is leased by the `complete` call
    /// that released it, so its `task_started` shares a stream entry with its dependency's
    /// `task_finished`, and the worker never claims after the first step.
    @Test func aChainsNextStepComesInTheReplyOfTheResultThatReleasedIt() async throws {
        try await withWorkerFixture { fixture in
            let steps = (0..<6).map { "s\($0)" }
            let records = try steps.enumerated().map { index, id in
                try taskRecord(
                    "r1", id, type: "echo", with: ["message": id], after: index == 0 ? [] : [steps[index - 1]],
                    before: index == steps.count - 1 ? [] : [steps[index + 1]])
            }
            let run = RunRecord(runID: "r1", fields: ["name": "r1", "retention": "3600000"], limits: ["run": 100], tasks: records)
            #expect(try await fixture.queue.submitRun(run, fence: fixture.fence).created)
            try await running(try fixture.worker(concurrency: 4)) {
                try await fixture.expect("r1", steps.last!, state: "succeeded")
            }
            let events = try await fixture.queue.runEvents("r1")
            func entry(_ type: String, _ task: String) -> String? {
                events.first { $0.fields["type"] == type && $0.fields["task"] == task }?.id
            }
            for (previous, next) in zip(steps, steps.dropFirst()) {
                let finished = try #require(entry("task_finished", previous))
                #expect(entry("task_started", next) == finished, "\(next) was not leased by the call that recorded \(previous)")
            }
        }
    }
}
