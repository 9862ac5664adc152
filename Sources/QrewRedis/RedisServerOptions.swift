/// How `RedisServerProcess` starts `redis-server`: persistence off and a fresh temporary
/// directory by default, so tests and `qctl dev` get a throwaway server.
public struct RedisServerOptions: Sendable, Hashable {
    /// Sets `requirepass`; the process `url` then carries the password.
    public var requirePassword: String?
    /// Turns on the append-only file with `appendfsync everysec` (for restart tests).
    public var appendOnly: Bool
    /// A fixed port; nil picks a free loopback port at first start (kept for restarts).
    public var port: Int?
    /// Extra `redis-server` arguments, appended last (e.g. `["--maxmemory", "64mb"]`).
    public var extraArguments: [String]
    /// Longest wait for the server to answer PING after launch.
    public var startTimeout: Duration
    /// A `qrew-supervise` executable to start the server through, so that it dies with this
    /// process even when this process is SIGKILLed (`qctl dev`); nil starts it directly.
    public var supervisor: String?

    /// Creates options; the defaults give an in-memory server on a free port.
    public init(
        requirePassword: String? = nil,
        appendOnly: Bool = false,
        port: Int? = nil,
        extraArguments: [String] = [],
        startTimeout: Duration = .seconds(5),
        supervisor: String? = nil
    ) {
        self.requirePassword = requirePassword
        self.appendOnly = appendOnly
        self.port = port
        self.extraArguments = extraArguments
        self.startTimeout = startTimeout
        self.supervisor = supervisor
    }
}
