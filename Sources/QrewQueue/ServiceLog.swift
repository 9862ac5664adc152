import Foundation

/// One-line-per-event logging to standard error for the coordinator and worker:
/// `2026-11-22T03:50:00.123Z coordinator c1 info: message`.
public struct ServiceLog: Sendable {
    public enum Level: String, Sendable {
        case debug, info, warning, error
    }

    /// `coordinator c1`, `worker w3`, ...
    public let source: String
    /// Messages below this level are dropped (`QREW_LOG_LEVEL`).
    public let minimum: Level

    public init(source: String, minimum: Level = Level(rawValue: ProcessInfo.processInfo.environment["QREW_LOG_LEVEL"] ?? "") ?? .info) {
        self.source = source
        self.minimum = minimum
    }

    public func debug(_ message: @autoclosure () -> String) { write(.debug, message) }
    public func info(_ message: @autoclosure () -> String) { write(.info, message) }
    public func warning(_ message: @autoclosure () -> String) { write(.warning, message) }
    public func error(_ message: @autoclosure () -> String) { write(.error, message) }

    private func write(_ level: Level, _ message: () -> String) {
        guard Self.rank(level) >= Self.rank(minimum) else { return }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let line = "\(formatter.string(from: Date())) \(source) \(level.rawValue): \(message())\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    private static func rank(_ level: Level) -> Int {
        switch level {
        case .debug: 0
        case .info: 1
        case .warning: 2
        case .error: 3
        }
    }
}
