import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`) with lists,
/// ranges, steps, month and weekday names (JAN-DEC, SUN-SAT; 0 and 7 are Sunday) and the aliases
/// `@yearly`/`@annually`, `@monthly`, `@weekly`, `@daily`/`@midnight`, `@hourly`.
///
/// Days follow Vixie cron: when both day-of-month and day-of-week are restricted (neither
/// starts with `*`), a day matches if either does; otherwise both must.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    /// The expression as written.
    public let source: String
    let minutes: [Int]
    let hours: [Int]
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { source }

    /// How far `nextTick` looks ahead: eight years covers every expression that ever matches
    /// (February 29th, and February 29th on a given weekday, recur within that).
    public static let searchHorizonDays = 8 * 366 + 1

    private static let aliases = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    private static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    private static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses `text`; a problem names the 1-based column of the offending part and how to fix it.
    public init(parsing text: String) throws(CronParseError) {
        source = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var text = text
        if trimmed.hasPrefix("@") {
            guard let expanded = Self.aliases[trimmed.lowercased()] else {
                throw CronParseError(column: 1, message: "unknown alias '\(trimmed)'",
                    hint: "use one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, or five fields")
            }
            text = expanded
        }
        var fields: [(text: Substring, column: Int)] = []
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == " " || text[index] == "\t" { index = text.index(after: index); continue }
            let start = index
            while index < text.endIndex, text[index] != " ", text[index] != "\t" { index = text.index(after: index) }
            fields.append((text[start..<index], text.distance(from: text.startIndex, to: start) + 1))
        }
        guard fields.count == 5 else {
            throw CronParseError(column: fields.count > 5 ? fields[5].column : max(1, text.count),
                message: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)",
                hint: "write e.g. \"*/5 * * * *\" (every five minutes) or \"0 2 * * *\" (02:00 every day); seconds are not supported")
        }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, names: []).sorted()
        hours = try Self.field(fields[1], name: "hour", range: 0...23, names: []).sorted()
        daysOfMonth = try Self.field(fields[2], name: "day-of-month", range: 1...31, names: [])
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames, firstNamed: 1)
        daysOfWeek = Set(try Self.field(fields[4], name: "day-of-week", range: 0...7, names: Self.dayNames).map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].text.hasPrefix("*")
        dayOfWeekRestricted = !fields[4].text.hasPrefix("*")
    }

    private static func field(
        _ field: (text: Substring, column: Int), name: String, range: ClosedRange<Int>, names: [String], firstNamed: Int = 0
    ) throws(CronParseError) -> Set<Int> {
        var values = Set<Int>()
        var column = field.column
        for item in field.text.split(separator: ",", omittingEmptySubsequences: false) {
            defer { column += item.count + 1 }
            func fail(_ message: String) -> CronParseError {
                let nameHint = names.isEmpty ? "" : " or names (\(names.first!)-\(names.last!))"
                return CronParseError(column: column, message: "\(name) '\(item)': \(message)",
                    hint: "use *, a number \(range.lowerBound)-\(range.upperBound)\(nameHint), a range a-b, a step */n or a-b/n, or a list a,b")
            }
            func number(_ text: Substring) throws(CronParseError) -> Int {
                if let index = names.firstIndex(of: text.uppercased()) { return index + firstNamed }
                guard !text.isEmpty, text.allSatisfy(\.isASCII), let value = Int(text) else { throw fail("'\(text)' is not a number") }
                guard range.contains(value) else { throw fail("\(value) is out of range \(range.lowerBound)-\(range.upperBound)") }
                return value
            }
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            var step = 1
            if parts.count == 2 {
                guard let parsed = Int(parts[1]), parsed >= 1, parsed <= range.upperBound else {
                    throw fail("the step '\(parts[1])' must be a number from 1 to \(range.upperBound)")
                }
                step = parsed
            }
            let base = parts[0]
            var low = range.lowerBound, high = range.upperBound
            if base == "*" {
                if range.upperBound == 7 { high = 6 }
            } else if let dash = base.firstIndex(of: "-") {
                low = try number(base[base.startIndex..<dash])
                high = try number(base[base.index(after: dash)...])
                guard low <= high else { throw fail("the range runs backwards (\(low) > \(high))") }
            } else {
                low = try number(base)
                if parts.count == 1 { high = low }
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        return values
    }

    private func dayMatches(dayOfMonth: Int, weekday: Int) -> Bool {
        let byMonthDay = daysOfMonth.contains(dayOfMonth)
        let byWeekday = daysOfWeek.contains(weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return byMonthDay || byWeekday }
        return byMonthDay && byWeekday
    }

    /// Whether the wall-clock minute of `date` in `timeZone` matches the expression.
    public func matches(_ date: Date, in timeZone: TimeZone) -> Bool {
        let parts = Self.calendar(timeZone).dateComponents([.month, .day, .weekday, .hour, .minute], from: date)
        guard let month = parts.month, let day = parts.day, let weekday = parts.weekday, let hour = parts.hour,
              let minute = parts.minute else { return false }
        return months.contains(month) && dayMatches(dayOfMonth: day, weekday: weekday - 1)
            && hours.contains(hour) && minutes.contains(minute)
    }

    /// The first tick strictly after `date`, in `timeZone`'s wall clock, or nil when none comes
    /// within `searchHorizonDays` (e.g. `0 0 30 2 *`).
    ///
    /// Daylight saving: a wall-clock time skipped by a forward jump fires at the instant the
    /// clock reaches it after the jump (02:30 on a night that jumps from 02:00 to 03:00 fires at
    /// 03:30, the same instant as 02:30 + one hour, once); a wall-clock time that occurs twice
    /// (a backward jump) fires once, at its first occurrence.
    public func nextTick(after date: Date, in timeZone: TimeZone) -> Date? {
        let calendar = Self.calendar(timeZone)
        var day = calendar.startOfDay(for: date)
        for _ in 0..<Self.searchHorizonDays {
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            if let year = parts.year, let month = parts.month, let dayOfMonth = parts.day, let weekday = parts.weekday,
               months.contains(month), dayMatches(dayOfMonth: dayOfMonth, weekday: weekday - 1) {
                var best: Date?
                // Wall-clock hours before `date`'s cannot be later than it, even shifted by a
                // daylight saving jump (at most a few hours).
                let firstHour = calendar.isDate(day, inSameDayAs: date) ? calendar.component(.hour, from: date) - 3 : 0
                for hour in hours where hour >= firstHour {
                    if let best, hour > calendar.component(.hour, from: best) + 3 { break }
                    for minute in minutes {
                        let wanted = DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute)
                        guard let candidate = calendar.date(from: wanted), candidate > date else { continue }
                        if best.map({ candidate < $0 }) ?? true { best = candidate }
                    }
                }
                if let best { return best }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = calendar.startOfDay(for: next)
        }
        return nil
    }

    static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}

/// A cron expression that does not parse: where (1-based column), what, and how to fix it.
public struct CronParseError: Error, Equatable, CustomStringConvertible {
    public let column: Int
    public let message: String
    public let hint: String

    public var description: String { "column \(column): \(message); \(hint)" }
}
