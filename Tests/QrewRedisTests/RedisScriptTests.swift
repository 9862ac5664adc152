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

    /// A counter script in both forms: FCALL when functions may be used, EVALSHA otherwise.
    private static let counter: RedisScript = {
        let source = "return redis.call('INCRBY', KEYS[1], ARGV[1])"
        let name = "test_counter_\(RedisScript(source).sha1)"
        let library = "#!lua name=\(name)\nredis.register_function('\(name)', function(KEYS, ARGV)\n\(source)\nend)\n"
        return RedisScript(source, function: RedisFunction(name: name, library: library))
    }()

    /// Calls of `command` (e.g. "fcall") the server has run without an error (`INFO
    /// commandstats`: its calls less its failed calls, such as one of a function not loaded yet;
    /// calls the ACL refused are not counted at all).
    private static func calls(_ command: String, on connection: RedisConnection) throws -> Int {
        let stats = try connection.send("INFO", "commandstats").string ?? ""
        guard let line = stats.split(separator: "\r\n").first(where: { $0.hasPrefix("cmdstat_\(command):") }) else { return 0 }
        let fields = Dictionary(uniqueKeysWithValues: line.split(separator: ":")[1].split(separator: ",").map { field in
            let pair = field.split(separator: "=")
            return (String(pair[0]), Int(pair[1]) ?? 0)
        })
        return (fields["calls"] ?? 0) - (fields["failed_calls"] ?? 0)
    }

    @Test func aFunctionIsLoadedOnFirstUseAndAgainAfterAFlush() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try testConfiguration(for: server))
            let admin = RedisConnection(configuration: try testConfiguration(for: server))
            let script = Self.counter
            #expect(try connection.evalScript(script, keys: ["counter"], args: [5]) == .integer(5))
            #expect(try connection.evalScript(script, keys: ["counter"], args: [2]) == .integer(7))
            let listed = try admin.send("FUNCTION", "LIST", "LIBRARYNAME", .string(script.function?.name ?? "")).array ?? []
            #expect(listed.count == 1, "the library is loaded once")
            _ = try admin.send("FUNCTION", "FLUSH")
            #expect(try connection.evalScript(script, keys: ["counter"], args: [1]) == .integer(8))
            #expect(try Self.calls("fcall", on: admin) == 3)
            #expect(try Self.calls("evalsha", on: admin) == 0)
            // Another client finding the library loaded by the first calls it as it is.
            let other = RedisConnection(configuration: try testConfiguration(for: server))
            #expect(try other.evalScript(script, keys: ["counter"], args: [1]) == .integer(9))
            #expect(try Self.calls("function|load", on: admin) == 2)
        }
    }

    @Test func aUserWhoMayNotUseFunctionsRunsTheScriptByEvalsha() async throws {
        try await withRedisServer { server in
            let admin = RedisConnection(configuration: try testConfiguration(for: server))
            // No FCALL at all, and FCALL without FUNCTION LOAD (and no library loaded yet).
            _ = try admin.send("ACL", "SETUSER", "scripts", "on", ">pw", "~*", "+@all", "-fcall", "-function")
            _ = try admin.send("ACL", "SETUSER", "caller", "on", ">pw", "~*", "+@all", "-function|load")
            for user in ["scripts", "caller"] {
                let connection = RedisConnection(
                    configuration: try RedisConfiguration(url: "redis://\(user):pw@127.0.0.1:\(server.port)"))
                _ = try admin.send("CONFIG", "RESETSTAT")
                for _ in 0..<3 { _ = try connection.evalScript(Self.counter, keys: [.string("counter-\(user)")], args: [1]) }
                #expect(try admin.send("GET", .string("counter-\(user)")).string == "3", "\(user)")
                #expect(try Self.calls("evalsha", on: admin) == 3, "\(user)")
                #expect(try Self.calls("fcall", on: admin) == 0, "\(user)")
                #expect(try admin.send("FUNCTION", "LIST").array?.isEmpty == true, "\(user) loaded nothing")
            }
            // A library loaded by someone allowed to is called by FCALL, not loaded again.
            let loader = RedisConnection(configuration: try testConfiguration(for: server))
            _ = try loader.evalScript(Self.counter, keys: ["counter-caller"], args: [1])
            let caller = RedisConnection(configuration: try RedisConfiguration(url: "redis://caller:pw@127.0.0.1:\(server.port)"))
            _ = try admin.send("CONFIG", "RESETSTAT")
            #expect(try caller.evalScript(Self.counter, keys: ["counter-caller"], args: [1]) == .integer(5))
            #expect(try Self.calls("fcall", on: admin) == 1)
        }
    }

    @Test func aScriptCalledWithABlockingCommandLoadsItsFunction() async throws {
        try await withRedisServer { server in
            let connection = RedisConnection(configuration: try testConfiguration(for: server))
            _ = try connection.send("RPUSH", "wake", "1")
            for expected in [1, 2] {
                if expected == 2 { _ = try connection.send("FUNCTION", "FLUSH") }
                let (woken, counted) = try connection.blocking(
                    ["BLPOP", "wake", "1"], timeout: .seconds(1), thenRun: Self.counter, keys: ["counter"], args: [1])
                #expect(counted == .integer(expected))
                #expect(woken.array?.map(\.string) == (expected == 1 ? ["wake", "1"] : nil))
            }
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
