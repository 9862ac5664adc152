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
        "expected redis://[user:password@]host[:port][/db] or unix:///path/to.sock[?db=N]"

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
    /// port 6379 and db 0 by default) or `unix:///path/to.sock[?db=N]`.
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
        case "rediss":
            throw Self.invalid("TLS (rediss://) is not supported by hiredis 0.14")
        default:
            throw Self.invalid("unsupported scheme \"\(scheme)\"")
        }
        if let query { try parseQuery(query) }
    }

    private mutating func parseNetwork(_ text: Substring) throws(RedisError) {
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
        let host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw Self.invalid("IPv6 host is missing its closing \"]\"")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Self.invalid("unexpected text after IPv6 host") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { throw Self.invalid("missing host") }
        var port = 6379
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw Self.invalid("port \"\(portText)\" is not a number from 1 to 65535")
            }
            port = value
        }
        endpoint = .tcp(host: String(host), port: port)
        if !path.isEmpty {
            database = try Self.parseDatabase(path)
        }
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
            guard parts.count == 2, parts[0] == "db" else {
                throw Self.invalid("unknown query parameter \"\(parts[0])\" (only db=N)")
            }
            database = try Self.parseDatabase(parts[1])
        }
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
