import QrewRedis
import Testing

/// `redis-sentinel://` URLs: sentinels, primary name, data-node and sentinel credentials.
struct RedisSentinelURLTests {
    @Test func sentinelsPrimaryNameAndDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis-sentinel://h1:26380,h2,[::1]:26381/mymaster/3")
        #expect(configuration.endpoint == .sentinel(RedisSentinelConfiguration(
            nodes: [.init(host: "h1", port: 26380), .init(host: "h2", port: 26379), .init(host: "::1", port: 26381)],
            primaryName: "mymaster")))
        #expect(configuration.database == 3)
        #expect(configuration.password == nil)
    }

    @Test func dataNodeCredentialsAndSentinelCredentials() throws {
        let configuration = try RedisConfiguration(
            url: "redis-sentinel://qrew-worker:p%40ss@h1:26379/mymaster?sentinel_user=watcher&sentinel_password=s%2Fecret")
        #expect(configuration.username == "qrew-worker")
        #expect(configuration.password == "p@ss")
        #expect(configuration.database == 0)
        guard case .sentinel(let sentinel) = configuration.endpoint else {
            Issue.record("expected a sentinel endpoint, got \(configuration.endpoint)")
            return
        }
        #expect(sentinel.username == "watcher")
        #expect(sentinel.password == "s/ecret")
        #expect(sentinel.primaryName == "mymaster")
    }

    @Test(arguments: [
        ("redis-sentinel://h1:26379", "primary's name"),
        ("redis-sentinel://h1:26379/", "primary's name"),
        ("redis-sentinel://h1,,h2/m", "missing host"),
        ("redis-sentinel://h1:0/m", "port \"0\""),
        ("redis-sentinel://h1/m/x", "database \"x\""),
        ("redis-sentinel://h1/m/1/2", "unexpected path"),
        ("redis-sentinel://h1/m?sentinel_password=", "sentinel_password is empty"),
        ("redis-sentinel://h1/m?role=replica", "unknown query parameter \"role\""),
        ("redis://h1/0?sentinel_password=x", "unknown query parameter \"sentinel_password\""),
    ])
    func rejectsMalformedSentinelURLs(url: String, problem: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("redis-sentinel://") == true)
    }

    @Test func errorsNeverRepeatThePassword() {
        let error = #expect(throws: RedisError.self) {
            try RedisConfiguration(url: "redis-sentinel://u:hunter2@h1:99999/m")
        }
        #expect(error?.message.contains("99999") == true)
        #expect(error?.message.contains("hunter2") == false)
    }
}
