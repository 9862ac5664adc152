/// A Lua script with its SHA-1 computed up front, so the first call can go straight to
/// EVALSHA; the connection falls back to SCRIPT LOAD only when the server answers NOSCRIPT.
///
/// A script may also come as a Redis function (`function`): a connection then calls it with
/// FCALL, loading its library with FUNCTION LOAD when the server does not know it, so the
/// library's top level (its helpers' closures) runs once per server instead of once per call.
/// Where the caller may not use functions (an ACL without `fcall` or `function|load`), the
/// connection sends `source` with EVALSHA instead: both forms do the same work.
public struct RedisScript: Sendable, Hashable {
    /// The Lua source, sent by SCRIPT LOAD when the server does not know the script.
    public let source: String
    /// Lowercase hex SHA-1 of `source`, the name Redis gives the script.
    public let sha1: String
    /// The same script as a function library, if it has one.
    public let function: RedisFunction?

    /// Wraps a Lua source and hashes it.
    public init(_ source: String) {
        self.init(source, function: nil)
    }

    /// Wraps a Lua source and, when given, the function library doing the same work.
    public init(_ source: String, function: RedisFunction?) {
        self.source = source
        self.sha1 = SHA1.hexDigest(Array(source.utf8))
        self.function = function
    }
}

/// A function of a Redis function library (Redis 7): called by `name` with FCALL, loaded by
/// sending `library` (which starts `#!lua name=...` and registers `name`) with FUNCTION LOAD.
/// A loaded library can be replaced by anyone allowed `function|load`, so `name` should carry a
/// digest of the library's text, as a script's SHA-1 does: two versions never share a name.
public struct RedisFunction: Sendable, Hashable {
    /// The registered function's name, unique on the server.
    public let name: String
    /// The library's Lua text, with its `#!lua name=` line.
    public let library: String

    /// A function `name` registered by `library`.
    public init(name: String, library: String) {
        self.name = name
        self.library = library
    }
}
