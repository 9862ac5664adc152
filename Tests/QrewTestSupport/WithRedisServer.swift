import QrewRedis

/// Starts a fresh `redis-server` on a free loopback port, runs `body`, and always stops the
/// server afterwards, also when `body` throws; every Redis-backed test suite shares this.
public func withRedisServer<T>(
    _ options: RedisServerOptions = RedisServerOptions(),
    _ body: (RedisServerProcess) async throws -> T
) async throws -> T {
    let server = try await RedisServerProcess.start(options: options)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// A configuration for `server` with short timeouts, so a broken test fails instead of hanging.
public func testConfiguration(
    for server: RedisServerProcess, database: Int = 0
) throws -> RedisConfiguration {
    var configuration = try RedisConfiguration(url: server.url)
    configuration.database = database
    configuration.connectTimeout = .seconds(2)
    configuration.commandTimeout = .seconds(5)
    return configuration
}
