import Foundation

/// Formats the protocol's millisecond timestamps with `gmtime_r`/`localtime_r`, which are
/// thread-safe and need no shared formatter.
public enum Timestamp {
    /// RFC 3339 in UTC with milliseconds: `2026-11-22T03:50:00.123Z` (the JSON contracts).
    public static func rfc3339(milliseconds: Int) -> String {
        let parts = components(milliseconds, utc: true)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                      parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second, parts.millisecond)
    }

    /// Local wall-clock time with milliseconds: `12:00:01.234` (the live view).
    public static func clock(milliseconds: Int) -> String {
        let parts = components(milliseconds, utc: false)
        return String(format: "%02d:%02d:%02d.%03d", parts.hour, parts.minute, parts.second, parts.millisecond)
    }

    /// Local date and time to the second: `2026-11-22 03:50:00` (tables).
    public static func dateTime(milliseconds: Int) -> String {
        let parts = components(milliseconds, utc: false)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d",
                      parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second)
    }

    /// UTC `yyyyMMdd-HHmmss`, for generated run ids.
    public static func compactUTC(milliseconds: Int) -> String {
        let parts = components(milliseconds, utc: true)
        return String(format: "%04d%02d%02d-%02d%02d%02d",
                      parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second)
    }

    /// A short human duration: `350ms`, `1.2s`, `2m03s`, `1h05m`.
    public static func duration(milliseconds: Int) -> String {
        let ms = max(milliseconds, 0)
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        let seconds = ms / 1000
        if seconds < 3600 { return String(format: "%dm%02ds", seconds / 60, seconds % 60) }
        return String(format: "%dh%02dm", seconds / 3600, (seconds % 3600) / 60)
    }

    /// Parses a protocol timestamp field (milliseconds as text); nil when absent or empty.
    public static func milliseconds(_ field: String?) -> Int? {
        field.flatMap { Int($0) }
    }

    private struct Parts {
        var year, month, day, hour, minute, second, millisecond: Int32
    }

    private static func components(_ milliseconds: Int, utc: Bool) -> Parts {
        var seconds = time_t(milliseconds.quotientAndRemainder(dividingBy: 1000).quotient)
        var remainder = Int32(milliseconds % 1000)
        if remainder < 0 {
            remainder += 1000
            seconds -= 1
        }
        var value = tm()
        if utc { gmtime_r(&seconds, &value) } else { localtime_r(&seconds, &value) }
        return Parts(year: value.tm_year + 1900, month: value.tm_mon + 1, day: value.tm_mday,
                     hour: value.tm_hour, minute: value.tm_min, second: value.tm_sec, millisecond: remainder)
    }
}
