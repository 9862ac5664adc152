import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// Learned step durations: a finished run is listed for learning, the leader folds one sample
/// per step into the workflow's estimates (p50 of the last runs), and readers get step → p50.
@Suite("duration learning")
struct DurationLearningTests {
    /// Within the time the test's own calls may take (the scripts' clock also runs for real).
    static func near(_ measured: Duration?, _ expected: Duration) -> Bool {
        guard let measured else { return false }
        return measured >= expected && measured < expected + .seconds(1)
    }

    static func stepTask(_ id: String, step: String) -> TaskRecord {
        TaskRecord(
            id: id, step: step, queue: "default", priority: 10, deps: 0, dependents: [], limits: [], refs: [],
            spec: #"{"type":"echo"}"#, maxAttempts: 1, continueOnError: false, lostRetry: "")
    }

    /// Runs one run of workflow `wf` whose `build` tasks take `build` and whose `test` task takes
    /// `test` (by the scripts' clock), to the end.
    static func finishRun(_ q: QueueFixture, _ run: String, build: [Duration], test: Duration, failTest: Bool = false) async throws {
        let tasks = build.indices.map { stepTask("build\($0)", step: "build") } + [stepTask("test", step: "test")]
        try await q.submit(run, tasks, limits: [:], fields: ["name": "wf"])
        let claimed = try await q.claimExactly(tasks.count)
        var byID = Dictionary(uniqueKeysWithValues: claimed.map { ($0.ref.taskID, $0) })
        var elapsed = Duration.zero
        let finishing = (build.indices.map { ("build\($0)", build[$0]) } + [("test", test)]).sorted { $0.1 < $1.1 }
        for (id, duration) in finishing {
            q.clock.advance(by: duration - elapsed)
            elapsed = duration
            let task = try #require(byID[id])
            byID[id] = nil
            if id == "test" && failTest { try await q.fail(task) } else { try await q.succeed(task) }
        }
        try await q.applyAll()
    }

    @Test func finishedRunsTeachTheWorkflowsStepsTheirMedianDuration() async throws {
        try await withQueue { q throws in
            #expect(try await q.queue.durationEstimates(workflow: "wf").isEmpty)
            try await Self.finishRun(q, "r1", build: [.seconds(1), .seconds(3), .seconds(20)], test: .seconds(2))
            try await Self.finishRun(q, "r2", build: [.seconds(5)], test: .seconds(4))
            try await Self.finishRun(q, "r3", build: [.seconds(7)], test: .seconds(9), failTest: true)
            #expect(try await q.queue.learnDurations() == 3)
            #expect(try await q.queue.learnDurations() == 0, "each run is learned from once")
            try await Self.finishRun(q, "r4", build: [.seconds(60)], test: .seconds(60))
            #expect(try await q.queue.learnDurations(shouldLearn: { _ in false }) == 0, "a declined run is dropped")
            #expect(try await q.queue.learnDurations() == 0)
            let estimates = try await q.queue.durationEstimates(workflow: "wf")
            // build: run samples 3 s, 5 s, 7 s → 5 s; test: 2 s, 4 s (the failed one is no sample) → 3 s
            // (plus the real milliseconds the calls take on the scripts' clock).
            #expect(Set(estimates.keys) == ["build", "test"])
            #expect(Self.near(estimates["build"], .seconds(5)) && Self.near(estimates["test"], .seconds(3)), "\(estimates)")
            let ttl = try await q.redis.send("PTTL", "qt:estimates:wf").int ?? -2
            #expect(ttl > 0 && ttl <= DurationEstimates.retention.components.seconds * 1000)
        }
    }

    @Test func theHistoryIsBounded() async throws {
        try await withQueue { q throws in
            for index in 0..<(DurationSamples.capacity + 3) {
                try await Self.finishRun(q, "r\(index)", build: [.seconds(Int64(index + 1))], test: .seconds(1))
                _ = try await q.queue.learnDurations()
            }
            let samples = try await q.redis.send("HGET", "qt:estimates:wf", "build:samples").string ?? ""
            let kept = DurationSamples(text: samples).samples
            #expect(kept.count == DurationSamples.capacity)
            for (sample, seconds) in zip(kept, 4...(DurationSamples.capacity + 3)) {
                #expect(Self.near(.milliseconds(sample), .seconds(seconds)), "\(kept)")
            }
        }
    }
}
