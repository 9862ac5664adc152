import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// The scripts as Redis function libraries (`ScriptLibrary.assemble`): each loads, and a call
/// leaves nothing of its own state (prefix, clock, caches) to the next one, which runs in the
/// same loaded library.
@Suite("scripts as Redis functions")
struct ScriptFunctionsTests {
    @Test func everyOperationLoadsAsAFunctionLibraryNamedByItsScript() async throws {
        let scripts = try ScriptLibrary.bundled.get()
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try testConfiguration(for: server))
            for operation in ScriptLibrary.Operation.allCases {
                let script = scripts[operation]
                guard let function = script.function else {
                    // Sent as EVAL from a crash handler, with no library included.
                    #expect([.recordCrash, .recordIntakeCrash].contains(operation), "\(operation) has no function form")
                    continue
                }
                #expect(function.name == "qrew_\(operation.rawValue)_\(script.sha1)")
                #expect(try connection.send("FUNCTION", "LOAD", .string(function.library)).string == function.name)
                #expect(script.source.contains("\nbegin_call()\n"), "\(operation): its script starts the call too")
            }
        }
    }

    @Test func aCallLeavesNoStateToTheNextInTheSameLibrary() async throws {
        try await withRedisServer { server in
            let redis = RedisClient(configuration: try testConfiguration(for: server), poolSize: 1)
            defer { redis.close() }
            let scripts = try ScriptLibrary.bundled.get()
            // Two namespaces on one server, ten days apart on the scripts' clock.
            let tenDays = 10 * 86_400_000
            let early = QueueClient(redis: redis, keys: Keys(prefix: "early"), scripts: scripts)
            let late = QueueClient(redis: redis, keys: Keys(prefix: "late"), scripts: scripts, clockOffset: { tenDays })
            for queue in [late, early, late] {
                let name = queue.keys.prefix
                let fence = try #require(try await queue.acquireLeadership(coordinatorID: name, lease: .seconds(60)))
                let runs = try await redis.send("KEYS", .string("\(name):run:*:tasks")).array?.count ?? 0
                let run = "\(name)-\(runs)"
                let record = RunRecord(
                    runID: run, fields: ["retention": "600000"], limits: ["run": 10],
                    tasks: [task("a", before: ["b"]), task("b", after: ["a"])])
                #expect(try await queue.submitRun(record, fence: fence).created)
                let claimed = try await queue.claim(worker: "w", lease: .seconds(30), max: 10, queues: ["default"])
                #expect(claimed.map(\.ref.description) == ["\(run)/a"], "\(name) claims its own task only")
                #expect(try await queue.complete(claimed[0], outcome: .succeeded, exitCode: 0, output: "x", error: nil, retryDelay: nil))
                let next = try await queue.claim(worker: "w", lease: .seconds(30), max: 10, queues: ["default"])
                #expect(next.map(\.ref.description) == ["\(run)/b"], "\(name): b released by a's result")

                let created = try #require(try await queue.runFields(run)?["createdAt"].flatMap { Int($0) })
                let now = Int(try await redis.send("TIME").array?.first?.string ?? "0")! * 1000
                let expected = now + (name == "late" ? tenDays : 0)
                #expect(abs(created - expected) < 60_000, "\(name): createdAt \(created) on its own clock (\(expected))")
                let events = try await redis.send("XLEN", .string(queue.keys.runEvents(run))).int ?? 0
                #expect(events >= 3, "\(name): its events went to its own stream")
            }
            // Nothing of one namespace was written under the other's prefix.
            for key in try await redis.send("KEYS", "*").array?.compactMap(\.string) ?? [] {
                #expect(key.hasPrefix("early:") || key.hasPrefix("late:"), "\(key)")
            }
        }
    }
}
