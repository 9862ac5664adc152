import QrewRedis
import Testing

struct RedisConfigurationTests {
    @Test func defaultsForAPlainHost() throws {
        let configuration = try RedisConfiguration(url: "redis://cache.internal")
        #expect(configuration.endpoint == .tcp(host: "cache.internal", port: 6379))
        #expect(configuration.database == 0)
        #expect(configuration.username == nil)
        #expect(configuration.password == nil)
        #expect(configuration.connectTimeout == .seconds(5))
        #expect(configuration.commandTimeout == .seconds(30))
        #expect(configuration.keepAlive)
    }

    @Test func portDatabaseAndPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://:secret@10.0.0.5:6380/4")
        #expect(configuration.endpoint == .tcp(host: "10.0.0.5", port: 6380))
        #expect(configuration.database == 4)
        #expect(configuration.username == nil)
        #expect(configuration.password == "secret")
    }

    @Test func aclUserAndPercentEncodedPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://qrew%2Dworker:p%40ss%3Aw%2Frd@localhost/1")
        #expect(configuration.username == "qrew-worker")
        #expect(configuration.password == "p@ss:w/rd")
        #expect(configuration.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(configuration.database == 1)
    }

    @Test func ipv6Host() throws {
        let configuration = try RedisConfiguration(url: "redis://[::1]:7000")
        #expect(configuration.endpoint == .tcp(host: "::1", port: 7000))
    }

    @Test func unixSocketWithDatabase() throws {
        let plain = try RedisConfiguration(url: "unix:///run/redis/redis.sock")
        #expect(plain.endpoint == .unix(path: "/run/redis/redis.sock"))
        #expect(plain.database == 0)
        let selected = try RedisConfiguration(url: "unix:///tmp/r.sock?db=9")
        #expect(selected.endpoint == .unix(path: "/tmp/r.sock"))
        #expect(selected.database == 9)
    }

    @Test(arguments: [
        ("localhost:6379", "missing scheme"),
        ("http://localhost", "unsupported scheme \"http\""),
        ("rediss://localhost", "TLS"),
        ("redis://", "missing host"),
        ("redis://:6379", "missing host"),
        ("redis://host:abc", "port \"abc\""),
        ("redis://host:70000", "port \"70000\""),
        ("redis://host/x", "database \"x\""),
        ("redis://host/-1", "database \"-1\""),
        ("redis://user@host", "credentials need a password"),
        ("redis://:%zz@host", "bad percent-escape"),
        ("redis://[::1", "closing"),
        ("unix://relative.sock", "absolute path"),
        ("unix:///tmp/r.sock?database=1", "unknown query parameter"),
    ])
    func badURLsSayWhatIsWrong(url: String, problem: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("expected redis://") == true)
    }

    @Test func errorsNeverRepeatThePassword() {
        let error = #expect(throws: RedisError.self) {
            try RedisConfiguration(url: "redis://:hunter2@host:bad")
        }
        #expect(error?.message.contains("hunter2") == false)
    }
}
