import QrewRedis
import QrewTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct RedisAuthenticationTests {
    private let options = RedisServerOptions(requirePassword: "s3cret!")

    @Test func missingPasswordIsAnAuthenticationError() async throws {
        try await withRedisServer(options) { server in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(server.port)"))
            let error = #expect(throws: RedisError.self) { try connection.send("GET", "x") }
            #expect(error?.code == .authentication)
            #expect(error?.message.contains("NOAUTH") == true)
        }
    }

    @Test func missingPasswordWithDatabaseFailsOnSelect() async throws {
        try await withRedisServer(options) { server in
            let connection = RedisConnection(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(server.port)/2"))
            let error = #expect(throws: RedisError.self) { try connection.connect() }
            #expect(error?.code == .authentication)
        }
    }

    @Test func wrongPasswordIsAnAuthenticationError() async throws {
        try await withRedisServer(options) { server in
            let url = "redis://:wrong@127.0.0.1:\(server.port)"
            let client = try RedisClient(url: url, poolSize: 1)
            defer { client.close() }
            let error = await #expect(throws: RedisError.self) { try await client.send("PING") }
            #expect(error?.code == .authentication)
            #expect(error?.message.contains("WRONGPASS") == true)
        }
    }

    @Test func rightPasswordAndAclUserWork() async throws {
        try await withRedisServer(options) { server in
            let admin = RedisConnection(configuration: try RedisConfiguration(url: server.url))
            #expect(try admin.send("PING") == .status("PONG"))
            _ = try admin.send("ACL", "SETUSER", "bob", "on", ">p@ss:w/rd", "~*", "+@all")
            let bob = RedisConnection(
                configuration: try RedisConfiguration(url: "redis://bob:p%40ss%3Aw%2Frd@127.0.0.1:\(server.port)/1"))
            #expect(try bob.send("ACL", "WHOAMI").string == "bob")
            _ = try bob.send("SET", "k", "in-db-1")
            #expect(try admin.send("GET", "k") == .null)
            let wrongUser = RedisConnection(
                configuration: try RedisConfiguration(url: "redis://bob:nope@127.0.0.1:\(server.port)"))
            let error = #expect(throws: RedisError.self) { try wrongUser.connect() }
            #expect(error?.code == .authentication)
        }
    }
}
