/// How a `qrew-web` serves (docs/http-api.md); the executable maps its flags and environment
/// onto it.
public struct WebConfiguration: Sendable {
    /// Address to listen on; 127.0.0.1 keeps the dashboard local.
    public var host = "127.0.0.1"
    /// TCP port; 0 picks a free one (the bound port is reported once listening).
    public var port = 8080
    /// The bearer token writes need (`QREW_WEB_TOKEN`); nil: writes are refused unless
    /// `allowAnonymousWrites`.
    public var writeToken: String?
    /// Accept writes without a token when none is configured (a local dashboard).
    public var allowAnonymousWrites = false
    /// Most event streams (`/api/runs/{id}/events`) open at once; each holds one Redis
    /// connection blocked in `XREAD`. Beyond it a request gets 503.
    public var maxEventStreams = 64
    /// Largest request body accepted (a submitted workflow); larger ones get 413.
    public var maxBodyBytes = 4 << 20
    /// Workers that sent a heartbeat within this window are listed (two 30 s leases).
    public var workerWindow: Duration = .seconds(60)

    /// How long a submission waits for a coordinator to store the run before answering 202.
    public var pickupTimeout: Duration = .seconds(5)

    public init() {}

    /// Whether writes need a token, are open, or are off, as the dashboard is told.
    public var writes: WriteMode {
        if writeToken != nil { return .token }
        return allowAnonymousWrites ? .anonymous : .disabled
    }

    /// How writes are authorized.
    public enum WriteMode: String, Sendable, Encodable {
        /// `Authorization: Bearer <QREW_WEB_TOKEN>` needed.
        case token
        /// Anyone who reaches the server may write (`--allow-anonymous-writes`).
        case anonymous
        /// No token configured: every write gets 403.
        case disabled
    }
}
