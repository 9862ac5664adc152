/// An error from the Redis client layer.
///
/// A struct with a `Code` rather than an enum so callers can switch on the kind of failure while
/// the message keeps the exact text from hiredis or the server.
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; decides whether retrying or reconnecting can help.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The configuration URL could not be parsed.
        public static let invalidURL = Code("invalidURL")
        /// No connection could be opened (refused, unreachable, connect timeout).
        public static let connectionFailed = Code("connectionFailed")
        /// The server closed the connection, or the client was closed.
        public static let connectionClosed = Code("connectionClosed")
        /// A socket read or write took longer than the configured timeout.
        public static let timeout = Code("timeout")
        /// Any other socket error.
        public static let io = Code("io")
        /// The server sent something that is not valid RESP.
        public static let protocolError = Code("protocolError")
        /// The server answered a command with an error reply (`ERR`, `WRONGTYPE`, `NOSCRIPT`, ...).
        public static let server = Code("server")
        /// AUTH failed or the server demands it (`WRONGPASS`, `NOAUTH`).
        public static let authentication = Code("authentication")
        /// A local `redis-server` process could not be found, started or stopped.
        public static let serverProcess = Code("serverProcess")

        public var description: String { name }
    }

    /// The kind of failure.
    public let code: Code
    /// What went wrong, in words; for `.server` and `.authentication` the server's own text.
    public let message: String

    /// Creates an error; public so higher layers can report Redis failures in the same shape.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Whether the failure broke the connection (the next call reconnects), as opposed to a
    /// server reply that left the connection usable.
    public var isConnectionError: Bool {
        code == .connectionFailed || code == .connectionClosed || code == .timeout
            || code == .io || code == .protocolError
    }

    public var description: String { "Redis \(code): \(message)" }
}
