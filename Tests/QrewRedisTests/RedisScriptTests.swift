import QrewRedis
import QrewTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RedisScriptTests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func sha1MatchesKnownVectors(source: String, digest: String) {
        #expect(RedisScript(source).sha1 == digest)
    }

    @Test func sha1OfMultiBlockInputMatchesRedis() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try testConfiguration(for: server))
            let source = "return {KEYS[1], ARGV[1]} -- " + String(repeating: "é0123456789", count: 50)
            let loaded = try connection.send("SCRIPT", "LOAD", .string(source))
            #expect(loaded.string == RedisScript(source).sha1)
        }
    }

    @Test func evalShaLoadsOnNoScriptAndAgainAfterFlush() async throws {
        try await withRedisServer { server in
            let client = RedisClient(configuration: try testConfiguration(for: server))
            defer { client.close() }
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            #expect(try await client.send("SCRIPT", "EXISTS", .string(script.sha1)) == .array([.integer(0)]))
            #expect(try await client.evalScript(script, keys: ["counter"], args: [5]) == .integer(5))
            #expect(try await client.send("SCRIPT", "EXISTS", .string(script.sha1)) == .array([.integer(1)]))
            #expect(try await client.evalScript(script, keys: ["counter"], args: [2]) == .integer(7))
            _ = try await client.send("SCRIPT", "FLUSH")
            #expect(try await client.evalScript(script, keys: ["counter"], args: [1]) == .integer(8))
        }
    }

    @Test func scriptErrorsThrowServerErrors() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try testConfiguration(for: server))
            let script = RedisScript("return redis.error_reply('STALE lease token')")
            let error = #expect(throws: RedisError.self) { try connection.evalScript(script) }
            #expect(error?.code == .server)
            #expect(error?.message.hasPrefix("STALE lease token") == true)
        }
    }
}
