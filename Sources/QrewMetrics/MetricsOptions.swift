/// Where the metrics endpoint listens, from `--metrics-port`/`QREW_METRICS_PORT` and
/// `--metrics-bind`/`QREW_METRICS_BIND` (flags win); nil port means metrics are off.
public struct MetricsOptions: Sendable, Equatable {
    /// The port, or nil when metrics are off.
    public var port: Int?
    /// The address to bind (default 127.0.0.1: only this host can scrape).
    public var host: String

    /// Reads the flags over the environment; throws a message naming the bad value.
    public init(port: Int?, bind: String?, environment: [String: String]) throws(MetricsOptionsError) {
        host = bind ?? environment["QREW_METRICS_BIND"] ?? "127.0.0.1"
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else {
            throw MetricsOptionsError(message: "invalid --metrics-bind '\(host)': expected an address, e.g. 127.0.0.1 or 0.0.0.0")
        }
        if let port {
            self.port = port
        } else if let text = environment["QREW_METRICS_PORT"], !text.isEmpty {
            guard let value = Int(text) else {
                throw MetricsOptionsError(message: "invalid QREW_METRICS_PORT '\(text)': expected a port number from 1 to 65535")
            }
            self.port = value
        }
        if let value = self.port, !(1...65535).contains(value) {
            let source = port == nil ? "QREW_METRICS_PORT" : "--metrics-port"
            throw MetricsOptionsError(message: "invalid \(source) '\(value)': expected a port number from 1 to 65535")
        }
    }
}

/// A bad metrics flag or environment variable.
public struct MetricsOptionsError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
