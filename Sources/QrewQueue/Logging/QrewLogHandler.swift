import Foundation
import Logging

/// swift-log's handler for Qrew's services: one line per event on stderr,
/// `2026-11-22T03:50:00.123Z worker w1 info: claimed 3 tasks`.
///
/// The logger's label names who writes (`worker w1`, `coordinator c1`); metadata, when a
/// logger carries any, follows the message as sorted `key=value` pairs. Lines are easy to grep
/// and to collect from a container, and tests pass their own sink to read them.
public struct QrewLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: @Sendable (String) -> Void

    /// A handler writing finished lines (without newline) to `sink`; stderr by default.
    public init(label: String, level: Logger.Level = .info, sink: @escaping @Sendable (String) -> Void = QrewLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = "\(Self.timestamp(Date())) \(label) \(event.level.rawValue): \(event.message)"
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " \(key)=\(value)"
        }
        sink(line)
    }

    /// Writes `line` and a newline to stderr in one `write`, so concurrent lines never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { _ = write(STDERR_FILENO, $0.baseAddress, $0.count) }
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

extension Logger {
    /// A logger labelled `source` (`worker w1`) writing Qrew's line format to `sink`, at `level`
    /// (default: `QREW_LOG_LEVEL`, else info).
    public static func qrew(
        _ source: String, level: Logger.Level = Logger.environmentLevel(),
        sink: @escaping @Sendable (String) -> Void = QrewLogHandler.standardError
    ) -> Logger {
        Logger(label: source) { label in QrewLogHandler(label: label, level: level, sink: sink) }
    }

    /// The level `QREW_LOG_LEVEL` names (trace, debug, info, notice, warning, error, critical);
    /// info when unset or unknown.
    public static func environmentLevel(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Logger.Level {
        environment["QREW_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    }

    /// Parses a `--log-level` value; nil for a name that is not a level.
    public static func level(named name: String) -> Logger.Level? {
        Logger.Level(rawValue: name.lowercased())
    }
}
