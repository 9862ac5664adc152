import CHiredis

/// Where the sentinels that watch a primary are, and the name they know it by
/// (`redis-sentinel://` URLs).
public struct RedisSentinelConfiguration: Sendable, Hashable {
    /// One sentinel's address.
    public struct Node: Sendable, Hashable, CustomStringConvertible {
        /// Host name, IPv4 or IPv6 address (without brackets).
        public var host: String
        /// TCP port (26379 unless the URL says otherwise).
        public var port: Int

        /// Creates a sentinel address.
        public init(host: String, port: Int = RedisSentinelConfiguration.defaultPort) {
            self.host = host
            self.port = port
        }

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// Sentinel's default port.
    public static let defaultPort = 26379

    /// The sentinels, asked in this order.
    public var nodes: [Node]
    /// The name of the monitored primary (`sentinel monitor NAME ...`).
    public var primaryName: String
    /// ACL user for the sentinels themselves (Sentinel's `user`/`requirepass`), not the data nodes.
    public var username: String?
    /// Password for the sentinels themselves; nil skips AUTH on them.
    public var password: String?

    /// Creates a sentinel configuration.
    public init(nodes: [Node], primaryName: String, username: String? = nil, password: String? = nil) {
        self.nodes = nodes
        self.primaryName = primaryName
        self.username = username
        self.password = password
    }
}

/// Asks sentinels where the primary is (`SENTINEL get-master-addr-by-name`), each in turn until
/// one answers, on short-lived connections of the calling thread.
///
/// Called by `RedisConnection` on every connect, so a connection opened after a failover goes to
/// the new primary; the connection then checks with `ROLE` that the address really is a primary
/// (a sentinel that has not heard of the failover yet names the old one).
enum RedisSentinelResolver {
    /// The primary's host and port, or `.connectionFailed` naming what each sentinel said.
    static func primary(
        of sentinel: RedisSentinelConfiguration, connectTimeout: Duration
    ) throws(RedisError) -> (host: String, port: Int) {
        var problems: [String] = []
        for node in sentinel.nodes {
            let probe = RedisConnection(configuration: RedisConfiguration(
                endpoint: .tcp(host: node.host, port: node.port), username: sentinel.username,
                password: sentinel.password, connectTimeout: min(connectTimeout, .seconds(1)),
                commandTimeout: .seconds(1), keepAlive: false))
            defer { probe.close() }
            do throws(RedisError) {
                let reply = try probe.send(["SENTINEL", "get-master-addr-by-name", .string(sentinel.primaryName)])
                guard let parts = reply.array, parts.count == 2, let host = parts[0].string,
                      let port = parts[1].string.flatMap({ Int($0) })
                else {
                    problems.append("\(node): does not know a primary named \"\(sentinel.primaryName)\"")
                    continue
                }
                return (host, port)
            } catch {
                problems.append("\(node): \(error.message)")
            }
        }
        throw RedisError(
            .connectionFailed,
            "no sentinel named the primary \"\(sentinel.primaryName)\" (\(problems.joined(separator: "; ")))")
    }
}
