import Foundation
import QrewCore
import QrewQueue
import Testing
@testable import QrewWorker

/// `QREW_PROGRESS` and `heartbeatTimeout` against a real redis-server and real processes.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct TaskProgressTests {
    /// A shell task record whose spec carries a heartbeat timeout.
    private func silentCapable(
        _ run: String, _ id: String, script: String, heartbeatTimeout: Duration?, retry: RetryPolicy = .default
    ) throws -> TaskRecord {
        var spec = TaskSpec(runID: run, taskID: id, stepID: id, type: "shell", run: ["sh", "-c", script], retry: retry)
        spec.heartbeatTimeoutMilliseconds = heartbeatTimeout.map { Int($0 / .milliseconds(1)) }
        return TaskRecord(
            id: id, step: id, queue: "default", priority: 10, deps: 0, dependents: [], limits: ["run"], refs: [],
            spec: spec.jsonText, maxAttempts: retry.maxAttempts, continueOnError: false,
            lostRetry: TaskRecord.lostRetry(for: retry))
    }

    @Test func progressLinesBecomeEventsAndTheTasksLatestProgress() async throws {
        try await withWorkerFixture { fixture in
            let script = """
                echo '10% starting' >> "$QREW_PROGRESS"
                sleep 0.5
                echo 'not a percentage, just news' >> "$QREW_PROGRESS"
                printf '\\001bad\\n' >> "$QREW_PROGRESS"
                sleep 0.5
                echo '100%' >> "$QREW_PROGRESS"
                """
            try await fixture.submit("r1", [try silentCapable("r1", "work", script: script, heartbeatTimeout: nil)])
            try await running(try fixture.worker()) {
                try await fixture.expect("r1", "work", state: "succeeded")
            }
            let events = try await fixture.events("r1")
            let progress = events.filter { $0["type"] == "task_progress" }
            let percents: [String?] = progress.map { $0["percent"] }
            let messages: [String?] = progress.map { $0["message"] }
            let tasks: [String?] = progress.map { $0["task"] }
            #expect(percents == ["10", nil, "100"])
            #expect(messages == ["starting", "not a percentage, just news", nil])
            #expect(Set(tasks) == ["work"])
            let latest = try await fixture.field("r1", "work", "progress")
            let latestMessage = try await fixture.field("r1", "work", "progressMessage")
            #expect(latest == "100")
            #expect(latestMessage == "not a percentage, just news")
            // Progress comes before the task's end in the stream.
            let types: [String] = events.map { $0["type"] ?? "" }
            #expect((types.lastIndex(of: "task_progress") ?? .max) < (types.firstIndex(of: "task_finished") ?? -1))
        }
    }

    @Test func aTaskThatReportsKeepsRunningPastItsHeartbeatTimeout() async throws {
        try await withWorkerFixture { fixture in
            let script = "for i in 1 2 3 4 5 6; do echo \"$((i * 15))%\" >> \"$QREW_PROGRESS\"; sleep 0.4; done"
            try await fixture.submit("r1", [try silentCapable("r1", "chatty", script: script, heartbeatTimeout: .seconds(1.5))])
            try await running(try fixture.worker()) {
                try await fixture.expect("r1", "chatty", state: "succeeded", within: .seconds(20))
            }
            #expect(try await fixture.field("r1", "chatty", "progress") == "90")
        }
    }

    @Test func aSilentTaskIsKilledAndRetriedAsLostThenEndsLost() async throws {
        try await withWorkerFixture { fixture in
            // Reports twice, then goes silent far longer than its heartbeat timeout; its pid is
            // printed so the test can check the process group is gone.
            let script = """
                echo $$
                echo '20% one' >> "$QREW_PROGRESS"
                sleep 0.3
                echo '40% two' >> "$QREW_PROGRESS"
                sleep 60
                """
            let retry = RetryPolicy(
                maxRetries: 1, backoff: .fixed, initial: .milliseconds(100), cap: .milliseconds(100), jitter: false,
                retryOn: [.failure, .timeout, .lost])
            try await fixture.submit("r1", [try silentCapable("r1", "stuck", script: script, heartbeatTimeout: .seconds(1), retry: retry)])
            let started = ContinuousClock.now
            try await running(try fixture.worker()) {
                let pid = try #require(try await fixture.printedPID("r1", "stuck"))
                // The first attempt is killed and waits out its retry delay (no coordinator here
                // to promote it, so the test does).
                #expect(try await fixture.eventually(.seconds(15)) {
                    try await fixture.field("r1", "stuck", "retryAt") != nil
                })
                #expect(await groupVanishes(pid))
                #expect(try await fixture.eventually(.seconds(5)) {
                    try await fixture.queue.promoteDelayed(fence: fixture.fence).promoted == 1
                })
                try await fixture.expect("r1", "stuck", state: "lost", within: .seconds(15))
            }
            // Two attempts of about 1.3 s each (plus the retry delay), far from the 60 s sleep.
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(try await fixture.field("r1", "stuck", "attempt") == "2")
            #expect(try await fixture.field("r1", "stuck", "error") == "heartbeat timeout: no progress for 1s")
            let events = try await fixture.events("r1")
            let retrying = events.filter { $0["type"] == "task_retrying" }
            #expect(retrying.count == 1)
            #expect(retrying.first?["outcome"] == "lost")
            #expect(events.filter { $0["type"] == "task_progress" }.count == 4)
            let finished = try #require(events.last { $0["type"] == "task_finished" })
            #expect(finished["state"] == "lost")
        }
    }

    @Test func aHandlerReportsProgressThroughItsContext() async throws {
        try await withWorkerFixture { fixture in
            let executors = ExecutorRegistry()
            executors.register("report") { context in
                await context.reportProgress(percent: 150, message: "halfway and then some")
                return "done"
            }
            try await fixture.submit("r1", [try taskRecord("r1", "h", type: "report")])
            try await running(try fixture.worker(executors: executors)) {
                try await fixture.expect("r1", "h", state: "succeeded")
            }
            #expect(try await fixture.field("r1", "h", "progress") == "100")
            #expect(try await fixture.field("r1", "h", "progressMessage") == "halfway and then some")
        }
    }
}
