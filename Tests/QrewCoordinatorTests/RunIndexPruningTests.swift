import QrewCoordinator
import QrewQueue
import QrewRedis
import Testing

/// The leader walks the run index `P:runs` for runs whose keys expired (`prune_runs`) at most
/// once per `runIndexPruneInterval`, not on every maintenance tick: an idle leader with
/// thousands of retained runs made a call of ~0.2 ms of Redis every few ms.
@Suite("run index pruning", .serialized)
struct RunIndexPruningTests {
    /// Adds `count` index entries named `<prefix>-<n>`, with a run hash unless `expired`.
    static func addRuns(_ h: CoordinatorHarness, prefix: String, count: Int, expired: Bool) async throws {
        var commands: [[RedisArgument]] = []
        for index in 0..<count {
            let run = "\(prefix)-\(index)"
            commands.append(["ZADD", .string(h.queue.keys.runs), .int(1_796_000_000_000 + index), .string(run)])
            if !expired { commands.append(["HSET", .string(h.queue.keys.run(run)), "id", .string(run), "state", "succeeded"]) }
        }
        _ = try await h.queue.redis.pipeline(commands)
    }

    static func indexed(_ h: CoordinatorHarness, prefix: String) async throws -> Int {
        let members = try await h.queue.redis.send("ZRANGE", .string(h.queue.keys.runs), 0, -1).array ?? []
        return members.compactMap(\.string).filter { $0.hasPrefix(prefix + "-") }.count
    }

    static func zscanCalls(_ h: CoordinatorHarness) async throws -> Int {
        let info = try await h.queue.redis.send("INFO", "commandstats").string ?? ""
        guard let line = info.split(separator: "\r\n").first(where: { $0.hasPrefix("cmdstat_zscan:") }),
              let calls = line.split(separator: ",").first?.split(separator: "=").last else { return 0 }
        return Int(calls) ?? 0
    }

    /// Waits up to 10 s for `condition`; fails the test if it never holds.
    static func eventually(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("the condition did not hold within 10 s")
    }

    @Test(.timeLimit(.minutes(1)))
    func aPassRunsAtOnceAndTheNextNotBeforeTheInterval() async throws {
        try await withCoordinatorHarness { h throws in
            try await Self.addRuns(h, prefix: "kept", count: 300, expired: false)
            try await Self.addRuns(h, prefix: "gone", count: 200, expired: true)
            let coordinator = try h.startCoordinator(id: "c1")
            defer { coordinator.cancel() }
            try await Self.eventually { try await Self.indexed(h, prefix: "gone") == 0 }
            #expect(try await Self.indexed(h, prefix: "kept") == 300)

            // The pass is over: 20 maintenance ticks later (50 ms apart) nobody scanned the index
            // again, and an entry that expired meanwhile is still in it.
            try await Self.addRuns(h, prefix: "late", count: 30, expired: true)
            let scans = try await Self.zscanCalls(h)
            try await Task.sleep(for: .seconds(1))
            #expect(try await Self.zscanCalls(h) == scans)
            #expect(try await Self.indexed(h, prefix: "late") == 30)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theNextPassComesAfterTheInterval() async throws {
        try await withCoordinatorHarness { h throws in
            let coordinator = try h.startCoordinator(id: "c1") { $0.runIndexPruneInterval = .milliseconds(500) }
            defer { coordinator.cancel() }
            try await Task.sleep(for: .milliseconds(200))  // the first pass, over an empty index
            try await Self.addRuns(h, prefix: "late", count: 120, expired: true)
            try await Self.addRuns(h, prefix: "kept", count: 10, expired: false)
            try await Self.eventually { try await Self.indexed(h, prefix: "late") == 0 }
            #expect(try await Self.indexed(h, prefix: "kept") == 10)
        }
    }
}
