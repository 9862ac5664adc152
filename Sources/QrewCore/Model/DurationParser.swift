/// Parses workflow durations: `500ms`, `30s`, `10m`, `1h`, `2d`, combinations such as `1h30m`,
/// decimals with a unit (`1.5s`), and bare integers meaning seconds.
///
/// Garbage, negative values and unit-less decimals are rejected rather than guessed at; whether
/// zero is acceptable depends on the field, so callers check that.
public enum DurationParser {
    /// Why a duration string was rejected.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Nothing to parse.
        case empty
        /// A leading minus sign.
        case negative(String)
        /// Not of the form `<number><unit>...`.
        case malformed(String)
        /// A unit other than ms, s, m, h, d.
        case unknownUnit(String)
        /// Too large to represent.
        case overflow(String)

        /// Human-readable reason.
        public var description: String {
            switch self {
            case .empty: "duration is empty"
            case .negative(let text): "duration '\(text)' is negative"
            case .malformed(let text): "'\(text)' is not a duration"
            case .unknownUnit(let unit): "unknown duration unit '\(unit)'"
            case .overflow(let text): "duration '\(text)' is too large (durations are limited to 365 days)"
            }
        }
    }

    /// Unit suffixes and their length in milliseconds.
    private static let unitMilliseconds: [String: Int64] = [
        "ms": 1, "s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000,
    ]

    /// Parses `text`; see the type's documentation for the accepted forms.
    public static func parse(_ text: String) throws(ParseError) -> Duration {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        if trimmed.hasPrefix("-") { throw .negative(trimmed) }
        if trimmed.allSatisfy(\.isASCIIDigit) {
            guard let seconds = Int64(trimmed), seconds <= Int64.max / 1_000 else { throw .overflow(trimmed) }
            return .seconds(seconds)
        }
        var totalMillis: Double = 0
        var index = trimmed.startIndex
        while index < trimmed.endIndex {
            let numberStart = index
            while index < trimmed.endIndex, trimmed[index].isASCIIDigit || trimmed[index] == "." {
                index = trimmed.index(after: index)
            }
            guard let number = Double(trimmed[numberStart..<index]) else { throw .malformed(trimmed) }
            let unitStart = index
            while index < trimmed.endIndex, trimmed[index].isLetter {
                index = trimmed.index(after: index)
            }
            let unit = String(trimmed[unitStart..<index])
            guard !unit.isEmpty else { throw .malformed(trimmed) }
            guard let millis = unitMilliseconds[unit] else { throw .unknownUnit(unit) }
            totalMillis += number * Double(millis)
        }
        guard totalMillis.isFinite, totalMillis < Double(Int64.max / 1_000_000) else { throw .overflow(trimmed) }
        let wholeMillis = Int64(totalMillis.rounded(.down))
        let microseconds = Int64(((totalMillis - Double(wholeMillis)) * 1_000).rounded())
        return .milliseconds(wholeMillis) + .microseconds(microseconds)
    }
}

extension Character {
    /// `0`–`9` only (unlike `isNumber`, which accepts other scripts' digits and fractions).
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines (no Foundation needed).
    ///
    /// Trims Unicode scalars, not `Character`s: a space after a prepended mark (U+0600) or
    /// before a combining one (U+0301) shares a `Character` with it, and would survive a
    /// `Character` trim in one string and not in another (a template's canonical form).
    func trimmingWhitespace() -> String {
        let isSpace: (Unicode.Scalar) -> Bool = { scalar in
            switch scalar {
            case " ", "\t", "\n", "\u{0B}", "\u{0C}", "\r", "\u{85}", "\u{2028}", "\u{2029}": true
            default: false
            }
        }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }),
              let last = scalars.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }
}
