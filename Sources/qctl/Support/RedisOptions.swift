import ArgumentParser
import Foundation
import QrewQueue
import QrewRedis

/// Where the cluster lives: `--redis` / `--namespace`, overriding `QREW_REDIS_URL` and
/// `QREW_NAMESPACE`, shared by every command that talks to Redis.
struct RedisOptions: ParsableArguments {
    static let defaultURL = "redis://127.0.0.1:6379/0"
    static let defaultNamespace = "qrew"

    @Option(name: .customLong("redis"), help: ArgumentHelp(
        "Redis URL (default: $QREW_REDIS_URL or \(RedisOptions.defaultURL)); a password here shows in `ps`: put it in $QREW_REDIS_PASSWORD_FILE (or $QREW_REDIS_PASSWORD) and the ACL user in $QREW_REDIS_USER instead.", valueName: "url"))
    var redisURL: String?

    @Option(help: ArgumentHelp("Key namespace (default: $QREW_NAMESPACE or \(RedisOptions.defaultNamespace)).", valueName: "ns"))
    var namespace: String?

    private var environment: [String: String] { Self.processEnvironment }

    /// The variables these options and `RedisConfiguration(url:environment:)` read, read once:
    /// `ProcessInfo.environment` converts the whole environment into a new dictionary on every
    /// call (qctl sets no variable of its own).
    private static let processEnvironment: [String: String] = {
        let names = [
            "QREW_REDIS_URL", "QREW_NAMESPACE", RedisConfiguration.CredentialVariable.user,
            RedisConfiguration.CredentialVariable.passwordFile, RedisConfiguration.CredentialVariable.password,
        ]
        var values: [String: String] = [:]
        for name in names {
            if let value = getenv(name) { values[name] = String(cString: value) }
        }
        return values
    }()

    /// The URL in effect: the flag, then the environment, then the default.
    var url: String { redisURL ?? environment["QREW_REDIS_URL"] ?? Self.defaultURL }

    /// The namespace in effect: the flag, then the environment, then the default.
    var resolvedNamespace: String { namespace ?? environment["QREW_NAMESPACE"] ?? Self.defaultNamespace }

    /// True when neither `--redis` nor `QREW_REDIS_URL` names a server (`dev` then starts one).
    var isURLChosen: Bool { redisURL != nil || environment["QREW_REDIS_URL"] != nil }

    /// The URL without its password, for messages.
    var displayURL: String { Self.redacted(url) }

    func validate() throws {
        do {
            _ = try RedisConfiguration(url: url, environment: environment)
        } catch {
            throw ValidationError("\(redisURL == nil ? "QREW_REDIS_URL" : "--redis"): \(error)")
        }
        let namespace = resolvedNamespace
        if namespace.isEmpty || namespace.contains(where: { $0.isWhitespace }) {
            throw ValidationError("the namespace must be non-empty and without spaces, got '\(namespace)'")
        }
    }

    /// Runs `body` with a queue client of `connections` connections on this Redis; closes them
    /// afterwards and turns Redis failures into a message naming the server. The client's
    /// scripts are looked up when one is first run (a command that only reads runs none).
    func withQueue<T>(
        url override: String? = nil, connectTimeout: Duration = .seconds(3), connections: Int = 2,
        _ body: (QueueClient) async throws -> T
    ) async throws -> T {
        let target = override ?? url
        let redis: RedisClient
        let queue: QueueClient
        do {
            var configuration = try RedisConfiguration(url: target, environment: environment)
            configuration.connectTimeout = connectTimeout
            configuration.commandTimeout = .seconds(10)
            // No idle spin: a qctl call's next command, if any, waits on a reply or a person.
            redis = RedisClient(configuration: configuration, poolSize: connections, idleSpin: .zero)
            queue = QueueClient(redis: redis, keys: Keys(prefix: resolvedNamespace), scripts: .bundledOnFirstUse)
        } catch {
            throw CommandFailure("\(error)")
        }
        defer { redis.close() }
        do {
            return try await body(queue)
        } catch let error as QueueError where error.isPermissionDenied {
            throw CommandFailure("Redis at \(Self.redacted(target)): this Redis user may not do that (its ACL role refuses it; docs/security.md): \(error)")
        } catch let error as QueueError {
            throw CommandFailure("Redis at \(Self.redacted(target)): \(error)")
        } catch let error as RunRequestTimeout {
            throw CommandFailure("\(error)")
        } catch let error as RunRequestRefused {
            throw CommandFailure("\(error)")
        }
    }

    /// `redis://user:secret@host` becomes `redis://user:***@host`.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > scheme.upperBound else { return url }
        let userInfo = url[scheme.upperBound..<at]
        let user = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return url[..<scheme.upperBound] + user + ":***" + url[at...]
    }
}
