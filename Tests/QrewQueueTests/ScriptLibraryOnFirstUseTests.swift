import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// `ScriptLibrary.bundledOnFirstUse`: the bundle is found when a script is first needed, and the
/// scripts are the bundled ones, so a one-shot client that reads only never looks it up.
@Suite("bundled scripts on first use")
struct ScriptLibraryOnFirstUseTests {
    @Test func everyOperationIsTheBundledScript() throws {
        let bundled = try ScriptLibrary.bundled.get()
        for operation in ScriptLibrary.Operation.allCases {
            let deferred = ScriptLibrary.bundledOnFirstUse[operation]
            #expect(deferred.sha1 == bundled[operation].sha1, "\(operation)")
            #expect(deferred.source == bundled[operation].source, "\(operation)")
        }
    }

    @Test func aClientWithThemRunsScriptsAgainstRedis() async throws {
        try await withRedisServer { server in
            let redis = RedisClient(configuration: try testConfiguration(for: server), poolSize: 1)
            defer { redis.close() }
            let queue = QueueClient(redis: redis, keys: Keys(prefix: "first-use"), scripts: .bundledOnFirstUse)
            // A read runs no script; the leadership lock is one (and loads it on NOSCRIPT).
            #expect(try await queue.runFields("missing") == nil)
            let fence = try await queue.acquireLeadership(coordinatorID: "c1", lease: .seconds(30))
            #expect(fence != nil)
            #expect(try await queue.acquireLeadership(coordinatorID: "c2", lease: .seconds(30)) == nil)
        }
    }
}
