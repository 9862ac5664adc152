import Foundation

/// One line per event on stderr: `2026-11-22T03:50:00.123Z worker w1 info: claimed 3 tasks`.
///
/// Deliberately tiny (no logging dependency): workers and coordinators log state changes, not per-task noise,
/// and the lines are easy to grep and to collect from a container. Tests pass their own sink.
public struct ServiceLogger: Sendable {
    /// How much a line matters.
    public enum Level: String, Sendable, Comparable {
        case debug, info, warning, error

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .debug: 0
            case .info: 1
            case .warning: 2
            case .error: 3
            }
        }
    }

    /// The worker name every line carries.
    /// Who writes: `worker w1`, `coordinator c1`.
    public let source: String
    /// Lines below this level are dropped without being formatted.
    public let minimum: Level
    private let sink: @Sendable (String) -> Void

    /// Creates a logger writing finished lines (without newline) to `sink`; stderr by default.
    /// The minimum level defaults to `QREW_LOG_LEVEL` (`debug` counts as `info`), else `info`.
    public init(
        source: String, minimum: Level = ServiceLogger.environmentLevel(),
        sink: @escaping @Sendable (String) -> Void = ServiceLogger.standardError
    ) {
        self.source = source
        self.minimum = minimum
        self.sink = sink
    }

    /// The level `QREW_LOG_LEVEL` names, `info` when unset or unknown.
    public static func environmentLevel() -> Level {
        Level(rawValue: ProcessInfo.processInfo.environment["QREW_LOG_LEVEL"] ?? "") ?? .info
    }

    /// Writes `line` and a newline to stderr in one `write`, so concurrent lines never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    /// Logs a routine event.
    public func debug(_ message: @autoclosure () -> String) { log(.debug, message()) }
    public func info(_ message: @autoclosure () -> String) { log(.info, message()) }
    /// Logs something that needs attention but is handled (an outage, a lost lease).
    public func warning(_ message: @autoclosure () -> String) { log(.warning, message()) }
    /// Logs a failure the worker could not handle itself.
    public func error(_ message: @autoclosure () -> String) { log(.error, message()) }

    /// Logs one line at `level`; the message is only built when the level is logged.
    public func log(_ level: Level, _ message: @autoclosure () -> String) {
        guard level >= minimum else { return }
        sink("\(Self.timestamp(Date())) \(source) \(level.rawValue): \(message())")
    }

    /// ISO 8601 in UTC with milliseconds, formatted by hand: cheap and thread-safe.
    public static func timestamp(_ date: Date) -> String {
        let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        var seconds = time_t(totalMillis / 1000)
        let millis = Int(totalMillis % 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(millis), 3))Z"
    }
}
