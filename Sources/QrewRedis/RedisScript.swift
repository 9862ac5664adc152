/// A Lua script with its SHA-1 computed up front, so the first call can go straight to
/// EVALSHA; the connection falls back to SCRIPT LOAD only when the server answers NOSCRIPT.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source, sent by SCRIPT LOAD when the server does not know the script.
    public let source: String
    /// Lowercase hex SHA-1 of `source`, the name Redis gives the script.
    public let sha1: String

    /// Wraps a Lua source and hashes it.
    public init(_ source: String) {
        self.source = source
        self.sha1 = SHA1.hexDigest(Array(source.utf8))
    }
}
