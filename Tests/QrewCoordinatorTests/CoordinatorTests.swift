import Foundation
import QrewCoordinator
import QrewCore
import QrewQueue
import Testing

@Suite("coordinator")
struct CoordinatorTests {
    static let diamond = """
        name: diamond
        params: { tag: "v1" }
        steps:
          - id: fetch
            run: ["fetch", "${{ params.tag }}"]
          - id: left
            dependsOn: [fetch]
            run: ["left", "${{ steps.fetch.output }}"]
            complexity: complex
          - id: right
            dependsOn: [fetch]
            run: ["right"]
            complexity: simple
          - id: join
            dependsOn: [left, right]
            run: ["join"]
        """

    @Test func runsAWorkflowInDependencyAndPriorityOrder() async throws {
        try await withCoordinatorHarness { h throws in
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            try await h.submit(Self.diamond, runID: "r1", params: ["tag": "v2"])
            _ = try await h.waitForRun("r1")
            var seen: [String: String] = [:]
            let order = try await h.work("r1") { spec in
                seen[spec.taskID] = spec.run.joined(separator: " ")
                return .succeeded
            }
            #expect(order == ["fetch", "left", "right", "join"])
            #expect(seen["fetch"] == "fetch v2")
            #expect(seen["left"] == "left output of fetch: fetch v2")
            let run = try await h.waitForRun("r1") { $0.isFinished }
            #expect(run.state == "succeeded")
            #expect(run.tasks.allSatisfy { $0["state"] == "succeeded" })
        }
    }

    @Test func aFailedStepSkipsItsDependentsAndFailsTheRun() async throws {
        try await withCoordinatorHarness { h throws in
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            try await h.submit(Self.diamond, runID: "r1")
            _ = try await h.work("r1") { $0.taskID == "left" ? .failed : .succeeded }
            let run = try await h.waitForRun("r1") { $0.isFinished }
            let states = Dictionary(uniqueKeysWithValues: run.tasks.map { ($0["id"] ?? "", $0["state"] ?? "") })
            #expect(run.state == "failed")
            #expect(states == ["fetch": "succeeded", "left": "failed", "right": "succeeded", "join": "skipped"])
        }
    }

    @Test func anInvalidSubmissionBecomesAFailedRunNamingEveryProblem() async throws {
        try await withCoordinatorHarness { h throws in
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            try await h.submit("name: x\nsteps:\n  - id: a\n    dependOn: [b]\n    run: [\"true\"]\n  - id: a\n    run: [\"true\"]\n", runID: "bad")
            let run = try await h.waitForRun("bad")
            #expect(run.state == "failed")
            let error = run.fields["error"] ?? ""
            #expect(error.contains("bad.yaml:4:5: step 'a': unknown key 'dependOn'"))
            #expect(error.contains("duplicate step id 'a'"))
            #expect(run.tasks.isEmpty)
        }
    }

    @Test func resubmittingTheSameRunIDDoesNotCreateASecondRun() async throws {
        try await withCoordinatorHarness { h throws in
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            try await h.submit(Self.diamond, runID: "once")
            _ = try await h.waitForRun("once")
            try await h.submit("name: other\nsteps:\n  - id: z\n    type: echo\n", runID: "once")
            try await h.submit(Self.diamond, runID: "marker")
            _ = try await h.waitForRun("marker")
            let run = try #require(try await h.queue.runSnapshot("once"))
            #expect(run.fields["name"] == "diamond")
            #expect(run.tasks.count == 4)
        }
    }

    @Test func aStandbyTakesOverWhenTheLeaderStops() async throws {
        try await withCoordinatorHarness { h throws in
            let leader = try h.startCoordinator(id: "leader", leaderLease: .milliseconds(600))
            try await Task.sleep(for: .milliseconds(200))
            let standby = try h.startCoordinator(id: "standby", leaderLease: .milliseconds(600))
            defer { standby.cancel() }
            try await h.submit(Self.diamond, runID: "r1")
            _ = try await h.waitForRun("r1")
            leader.cancel()
            let started = ContinuousClock.now
            // Workers apply their results inline, so r1 needs no coordinator to finish: wait for
            // the standby to hold the lease, then check that it takes in and runs a new run.
            var holder = ""
            while !holder.hasPrefix("standby:"), ContinuousClock.now - started < .seconds(5) {
                try await Task.sleep(for: .milliseconds(20))
                holder = try await h.queue.redis.send("GET", "ct:leader").string ?? ""
            }
            #expect(holder.hasPrefix("standby:"))
            // The stopped leader's last blocking read (1 s) must be over, or it could take r2.
            try await Task.sleep(until: started + .milliseconds(1200))
            try await h.submit(Self.diamond, runID: "r2")
            for runID in ["r1", "r2"] {
                _ = try await h.waitForRun(runID)
                _ = try await h.work(runID, timeout: .seconds(10))
                let run = try await h.waitForRun(runID) { $0.isFinished }
                #expect(run.state == "succeeded")
            }
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }

    @Test func anExpiredLeaseIsReclaimedAndRunsAgain() async throws {
        try await withCoordinatorHarness { h throws in
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            try await h.submit("name: one\nsteps:\n  - id: only\n    run: [\"x\"]\n    retries: 1\n", runID: "r1")
            _ = try await h.waitForRun("r1")
            let lost = try await h.queue.claim(worker: "dies", lease: .milliseconds(200), max: 1, queues: ["default"])
            try #require(lost.count == 1)
            let order = try await h.work("r1", worker: "survivor")
            #expect(order == ["only"])
            let run = try await h.waitForRun("r1") { $0.isFinished }
            #expect(run.state == "succeeded")
            #expect(run.tasks.first?["attempt"] == "2")
            #expect(try await h.queue.complete(lost[0], outcome: .succeeded, exitCode: 0, output: "", error: nil, retryDelay: nil) == false)
        }
    }

    @Test func aRunPastItsWorkflowTimeoutIsCanceled() async throws {
        try await withCoordinatorHarness { h throws in
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            try await h.submit("name: slow\ntimeout: 300ms\nsteps:\n  - id: never\n    run: [\"x\"]\n", runID: "r1")
            let run = try await h.waitForRun("r1") { $0.isFinished }
            #expect(run.state == "canceled")
            #expect(run.fields["cancelReason"]?.contains("run timeout") == true)
        }
    }

    @Test func aCancelWhoseClientStoppedAfterTheFirstSliceIsFinishedByTheHousekeepingLoop() async throws {
        try await withCoordinatorHarness { h throws in
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            var yaml = "name: wide\nsteps:\n"
            for part in 0..<12 {
                yaml += "  - id: part\(part)\n    type: echo\n    matrix: { i: [\((0..<250).map(String.init).joined(separator: ", "))] }\n"
            }
            try await h.submit(yaml, runID: "r1")
            _ = try await h.waitForRun("r1") { $0.fields["stored"] == "3000" }
            // A qctl killed after its first call of 100 tasks.
            let first = try #require(try await h.queue.cancelRun("r1", reason: "by user", budget: 100, callLimit: 1))
            #expect(first == 100)
            let run = try await h.waitForRun("r1") { $0.isFinished }
            #expect(run.state == "canceled")
            #expect(run.tasks.count == 3000 && run.tasks.allSatisfy { $0["state"] == "canceled" })
            #expect(try await h.queue.runEvents("r1", count: 10_000).filter { $0.fields["type"] == "run_finished" }.count == 1)
            #expect(try await h.queue.redis.send("ZCARD", .string(h.queue.keys.sweeping)).int == 0)
        }
    }

    @Test func garbageAndOversizedSubmissionsAreRejectedWithAReason() async throws {
        try await withCoordinatorHarness { h throws in
            var configuration = h.configuration(id: "c1")
            configuration.maxWorkflowBytes = 1000
            let coordinator = try Coordinator(configuration: configuration)
            let service = Task { await coordinator.run() }
            defer { service.cancel() }
            try await h.submit(String(repeating: "# padding\n", count: 200) + Self.diamond, runID: "huge")
            try await h.submit("\u{0}\u{1} not yaml: [", runID: "garbage")
            _ = try await h.queue.redis.send("XADD", "ct:submissions", "*", "nonsense", "1")
            try await h.submit(Self.diamond, runID: "fine")
            #expect(try await h.waitForRun("huge").fields["error"]?.contains("over the coordinator's limit of 1000 bytes") == true)
            #expect(try await h.waitForRun("garbage").state == "failed")
            #expect(try await h.waitForRun("fine").tasks.count == 4)
        }
    }
}
