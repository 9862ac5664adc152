import QrewCore
import QrewRedis

extension WorkerConfiguration {
    /// Parses a duration the way workflow files write them (`500ms`, `30s`, `1m30s`), so flags
    /// and environment variables accept the same forms; throws an error that says why not.
    public static func parseDuration(_ text: String) throws -> Duration {
        try DurationParser.parse(text)
    }

    /// Checks a Redis URL without connecting; throws an error naming the accepted forms.
    public static func checkRedisURL(_ url: String) throws {
        do {
            _ = try RedisConfiguration(url: url)
        } catch {
            throw InvalidValue(description: error.message)
        }
    }

    /// A configuration value that cannot be used, with a message for the user.
    public struct InvalidValue: Error, CustomStringConvertible {
        /// What is wrong with the value.
        public let description: String
    }
}
