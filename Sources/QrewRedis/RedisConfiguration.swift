import Foundation

/// Where and how to connect to Redis; built from a URL so every executable takes the same
/// `--redis` / `QREW_REDIS_URL` value.
public struct RedisConfiguration: Sendable, Hashable {
    /// How to reach the server.
    public enum Endpoint: Sendable, Hashable {
        /// TCP host (name, IPv4 or IPv6 without brackets) and port.
        case tcp(host: String, port: Int)
        /// A Unix domain socket path.
        case unix(path: String)
        /// The primary that Redis Sentinel names, looked up on every (re)connect.
        case sentinel(RedisSentinelConfiguration)
    }

    /// How to reach the server.
    public var endpoint: Endpoint
    /// ACL user for `AUTH user password`; nil authenticates as the default user.
    public var username: String?
    /// Password for AUTH; nil skips AUTH.
    public var password: String?
    /// Database selected after connecting (SELECT is skipped for 0).
    public var database: Int
    /// Longest wait for the TCP or Unix connect.
    public var connectTimeout: Duration
    /// Socket read/write timeout for ordinary commands; nil waits forever. Blocking commands
    /// get their own, longer timeout (see `RedisClient.blocking`).
    public var commandTimeout: Duration?
    /// Enables TCP keepalive so dead peers are noticed on idle connections.
    public var keepAlive: Bool

    /// The URL forms accepted by `init(url:)`, quoted in error messages.
    public static let expectedForms =
        "expected redis://[user:password@]host[:port][/db], "
        + "redis-sentinel://[user:password@]host[:port][,host[:port]...]/primary-name[/db] "
        + "or unix:///path/to.sock[?db=N]"

    /// Creates a configuration from its parts; defaults match `init(url:)`.
    public init(
        endpoint: Endpoint = .tcp(host: "127.0.0.1", port: 6379),
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        connectTimeout: Duration = .seconds(5),
        commandTimeout: Duration? = .seconds(30),
        keepAlive: Bool = true
    ) {
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.database = database
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.keepAlive = keepAlive
    }

    /// Parses `redis://[user:password@]host[:port][/db]` (user and password percent-decoded,
    /// port 6379 and db 0 by default), `unix:///path/to.sock[?db=N]`, or
    /// `redis-sentinel://[user:password@]h1[:port],h2[:port]/primary-name[/db]` (sentinel port
    /// 26379 by default; the credentials are the data nodes'; `?sentinel_user=U&sentinel_password=P`
    /// authenticate to the sentinels themselves).
    ///
    /// Errors say what is wrong and never repeat the password.
    public init(url: String) throws(RedisError) {
        self.init()
        guard let schemeEnd = url.range(of: "://") else {
            throw Self.invalid("missing scheme")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        var rest = Substring(url[schemeEnd.upperBound...])
        var query: Substring?
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        switch scheme {
        case "redis":
            try parseNetwork(rest)
        case "unix":
            guard rest.hasPrefix("/"), rest.count > 1 else {
                throw Self.invalid("unix socket URL needs an absolute path")
            }
            endpoint = .unix(path: String(rest))
        case "redis-sentinel":
            try parseSentinel(rest)
        case "rediss":
            throw Self.invalid("TLS (rediss://) is not supported by hiredis 0.14")
        default:
            throw Self.invalid("unsupported scheme \"\(scheme)\"")
        }
        if let query { try parseQuery(query) }
    }

    /// Splits `[user:password@]hosts[/path]` into the hosts and the path, parsing the user info.
    private mutating func splitAuthority(_ text: Substring) throws(RedisError) -> (authority: Substring, path: Substring) {
        var authority = text
        var path: Substring = ""
        if let slash = text.firstIndex(of: "/") {
            authority = text[..<slash]
            path = text[text.index(after: slash)...]
        }
        if let at = authority.lastIndex(of: "@") {
            try parseUserInfo(authority[..<at])
            authority = authority[authority.index(after: at)...]
        }
        return (authority, path)
    }

    private mutating func parseSentinel(_ text: Substring) throws(RedisError) {
        let (authority, path) = try splitAuthority(text)
        var nodes: [RedisSentinelConfiguration.Node] = []
        for item in authority.split(separator: ",", omittingEmptySubsequences: false) {
            let (host, port) = try Self.parseHostPort(item, defaultPort: RedisSentinelConfiguration.defaultPort)
            nodes.append(RedisSentinelConfiguration.Node(host: host, port: port))
        }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard let name = segments.first, !name.isEmpty else {
            throw Self.invalid("redis-sentinel URL needs the primary's name after the sentinels (…/mymaster)")
        }
        guard segments.count <= 2 else { throw Self.invalid("unexpected path after the database number") }
        guard let decodedName = String(name).removingPercentEncoding else {
            throw Self.invalid("primary name has a bad percent-escape")
        }
        if segments.count == 2 { database = try Self.parseDatabase(segments[1]) }
        endpoint = .sentinel(RedisSentinelConfiguration(nodes: nodes, primaryName: decodedName))
    }

    private mutating func parseNetwork(_ text: Substring) throws(RedisError) {
        let (authority, path) = try splitAuthority(text)
        let (host, port) = try Self.parseHostPort(authority, defaultPort: 6379)
        endpoint = .tcp(host: host, port: port)
        if !path.isEmpty {
            database = try Self.parseDatabase(path)
        }
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func parseHostPort(_ authority: Substring, defaultPort: Int) throws(RedisError) -> (String, Int) {
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw invalid("IPv6 host is missing its closing \"]\"")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw invalid("unexpected text after IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw invalid("missing host") }
        var port = defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw invalid("port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = value
        }
        return (String(host), port)
    }

    private mutating func parseUserInfo(_ info: Substring) throws(RedisError) {
        guard let colon = info.firstIndex(of: ":") else {
            throw Self.invalid("credentials need a password: user:password@ or :password@")
        }
        let user = info[..<colon]
        let secret = info[info.index(after: colon)...]
        guard let decodedUser = String(user).removingPercentEncoding,
              let decodedPassword = String(secret).removingPercentEncoding
        else {
            throw Self.invalid("user or password has a bad percent-escape")
        }
        guard !decodedPassword.isEmpty else { throw Self.invalid("empty password") }
        username = decodedUser.isEmpty ? nil : decodedUser
        password = decodedPassword
    }

    private mutating func parseQuery(_ query: Substring) throws(RedisError) {
        for item in query.split(separator: "&") {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw Self.invalid("query parameter \"\(parts[0])\" needs a value")
            }
            switch (parts[0], endpoint) {
            case ("db", _):
                database = try Self.parseDatabase(parts[1])
            case ("sentinel_user", .sentinel(var sentinel)):
                sentinel.username = try Self.decodedQueryValue(parts[1], named: "sentinel_user")
                endpoint = .sentinel(sentinel)
            case ("sentinel_password", .sentinel(var sentinel)):
                sentinel.password = try Self.decodedQueryValue(parts[1], named: "sentinel_password")
                endpoint = .sentinel(sentinel)
            default:
                throw Self.invalid(
                    "unknown query parameter \"\(parts[0])\" (db=N; with redis-sentinel:// also sentinel_user, sentinel_password)")
            }
        }
    }

    private static func decodedQueryValue(_ text: Substring, named name: String) throws(RedisError) -> String {
        guard let value = String(text).removingPercentEncoding, !value.isEmpty else {
            throw invalid("\(name) is empty or has a bad percent-escape")
        }
        return value
    }

    private static func parseDatabase(_ text: Substring) throws(RedisError) -> Int {
        guard let value = Int(text), value >= 0 else {
            throw invalid("database \"\(text)\" is not a non-negative number")
        }
        return value
    }

    private static func invalid(_ problem: String) -> RedisError {
        RedisError(.invalidURL, "invalid Redis URL: \(problem); \(expectedForms)")
    }
}
