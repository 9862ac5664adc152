import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// The scripts that declare their keys (KEYS) touch no other key: each runs as an ACL user that
/// may use exactly the keys its call declares, so a key built inside the script, or one declared
/// but not expected, is refused by Redis (NOPERM) and the call fails.
@Suite("declared script keys", .timeLimit(.minutes(1)))
struct DeclaredKeysTests {
    private static let adminPassword = "declared-keys-admin"
    private let keys = Keys(prefix: "dk")

    @Test func leadershipScriptsTouchOnlyLeaderAndFence() async throws {
        try await withDeclaredKeys { grant in
            let fence = try #require(try await grant([keys.leader, keys.fence]).acquireLeadership(coordinatorID: "c1", lease: .seconds(60)))
            #expect(fence == "c1:1")
            #expect(try await grant([keys.leader]).releaseLeadership(fence: fence))
        }
    }

    @Test func idempotentSubmissionTouchesOnlyItsKeyAndTheSubmissions() async throws {
        try await withDeclaredKeys { grant in
            let queue = try grant([keys.idempotency("order-7"), keys.submissions])
            let first = try await queue.enqueueIdempotentSubmission(
                key: "order-7", retention: .seconds(60), runID: "r1", fileName: "w.yaml", workflow: "name: w", params: [:])
            #expect(first == .queued(runID: "r1"))
            let second = try await queue.enqueueIdempotentSubmission(
                key: "order-7", retention: .seconds(60), runID: "r2", fileName: "w.yaml", workflow: "name: w", params: [:])
            #expect(second == .existing(runID: "r1"))
        }
    }

    @Test func scheduleScriptsTouchOnlyTheScheduleAndTheSchedules() async throws {
        try await withDeclaredKeys { grant in
            let queue = try grant([keys.schedule("nightly"), keys.schedules])
            let spec = ScheduleSpec(cron: "@daily")
            #expect(try await queue.addSchedule(name: "nightly", spec: spec, fileName: "w.yaml", workflow: "name: w", params: [:], replace: false))
            #expect(try await queue.setSchedulePaused("nightly", paused: true) == true)
            // due_schedules declares P:schedules only; the paused schedule is not due, so
            // nothing else (fire_schedule) runs.
            let firing = try await grant([keys.schedules]).fireDueSchedules(fence: "none")
            #expect(firing.submitted.isEmpty && firing.broken.isEmpty && firing.nextDue == nil)
            #expect(try await queue.setSchedulePaused("nightly", paused: false) == true)
            #expect(try await queue.removeSchedule("nightly"))
            #expect(try await !queue.removeSchedule("nightly"))
        }
    }

    @Test func purgeTouchesOnlyTheDeadLetters() async throws {
        try await withDeclaredKeys { grant in
            let queue = try grant([keys.deadLetters])
            _ = try await queue.redis.send("LPUSH", .string(keys.deadLetters), "a", "b")
            #expect(try await queue.purgeDeadLetters() == 2)
        }
    }

    /// The check bites: a user missing one key a script touches is refused.
    @Test func aUserMissingATouchedKeyIsRefused() async throws {
        try await withDeclaredKeys { grant in
            let queue = try grant([keys.leader])
            await #expect(throws: QueueError.self) {
                _ = try await queue.acquireLeadership(coordinatorID: "c1", lease: .seconds(60))
            }
        }
    }

    /// The scripts that use KEYS are exactly the ones tested above, and none of them builds a
    /// key name from the prefix or includes a library that does (only lib/common's clock).
    @Test func exactlyTheTestedScriptsDeclareKeysAndBuildNoNames() throws {
        let declaring: Set<ScriptLibrary.Operation> = [
            .acquireLeadership, .releaseLeadership, .submitIdempotent, .addSchedule, .removeSchedule, .pauseSchedule,
            .dueSchedules, .purgeDeadLetters,
        ]
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/QrewQueue/Scripts")
        for operation in ScriptLibrary.Operation.allCases {
            let source = try String(contentsOf: directory.appendingPathComponent(operation.rawValue + ".lua"), encoding: .utf8)
            let body = String(source[(source.range(of: "]]")?.upperBound ?? source.startIndex)...])
            #expect(body.contains("KEYS[") == declaring.contains(operation), "\(operation.rawValue)")
            if declaring.contains(operation) {
                #expect(!body.contains("P .."), "\(operation.rawValue) builds a key name from the prefix")
                let includes = body.split(separator: "\n").filter { $0.hasPrefix("--@include") }
                #expect(includes == ["--@include common"], "\(operation.rawValue) includes \(includes)")
                #expect(source.contains("KEYS[1]"), "\(operation.rawValue)'s header names its KEYS")
            }
        }
    }

    /// Runs `body` with a password-protected redis-server and `grant`, which makes an ACL user
    /// allowed every command but only the given keys and returns a queue client logged in as it.
    private func withDeclaredKeys(_ body: (_ grant: ([String]) throws -> QueueClient) async throws -> Void) async throws {
        try await withRedisServer(RedisServerOptions(requirePassword: Self.adminPassword)) { server in
            let admin = RedisConnection(configuration: try testConfiguration(for: server))
            let scripts = try ScriptLibrary.bundled.get()
            var clients: [QueueClient] = []
            defer { clients.forEach { $0.redis.close() } }
            try await body { allowed throws in
                let user = "declared\(clients.count)"
                _ = try admin.send(["ACL", "SETUSER", .string(user), "on", ">pw", "+@all"] + allowed.map { .string("~" + $0) })
                var configuration = try RedisConfiguration(url: "redis://\(user):pw@127.0.0.1:\(server.port)")
                configuration.connectTimeout = .seconds(2)
                configuration.commandTimeout = .seconds(5)
                let client = QueueClient(redis: RedisClient(configuration: configuration), keys: keys, scripts: scripts)
                clients.append(client)
                return client
            }
        }
    }
}
