import Foundation
import Testing
@testable import QrewCore

/// The cron parser and next-tick calculator: fields, names, aliases, the day-of-month /
/// day-of-week OR rule, time zones and daylight saving, errors with a column, and properties
/// over random expressions (the next tick is after now, matches, and no tick lies between).
struct CronExpressionTests {
    static let utc = TimeZone(identifier: "UTC")!
    static let paris = TimeZone(identifier: "Europe/Paris")!

    static func date(_ text: String, _ zone: TimeZone = utc) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.date(from: text)!
    }

    static func next(_ expression: String, after text: String, _ zone: TimeZone = utc) throws -> Date? {
        try CronExpression(parsing: expression).nextTick(after: date(text, zone), in: zone)
    }

    @Test(arguments: [
        ("*/5 * * * *", "2026-12-05 11:17", "2026-12-05 11:20"),
        ("0 2 * * *", "2026-12-05 02:00", "2026-12-06 02:00"),
        ("0 2 * * *", "2026-12-05 01:59", "2026-12-05 02:00"),
        ("30 9 * * MON-FRI", "2026-12-05 10:00", "2026-12-07 09:30"),   // Saturday -> Monday
        ("0 0 1 JAN *", "2026-06-01 00:00", "2027-01-01 00:00"),
        ("@hourly", "2026-12-05 11:17", "2026-12-05 12:00"),
        ("@daily", "2026-12-05 11:17", "2026-12-06 00:00"),
        ("@weekly", "2026-12-05 11:17", "2026-12-06 00:00"),          // Sunday
        ("0 12 13 * FRI", "2026-12-05 00:00", "2026-12-11 12:00"),    // OR rule: the Friday comes first
        ("0 12 13 * *", "2026-12-05 00:00", "2026-12-13 12:00"),
        ("0 0 * * 7", "2026-12-05 00:00", "2026-12-06 00:00"),        // 7 is Sunday
        ("10-20/5,45 8 * * *", "2026-12-05 08:16", "2026-12-05 08:20"),
        ("5/20 * * * *", "2026-12-05 08:46", "2026-12-05 09:05"),
        ("0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00"),
    ])
    func nextTicks(expression: String, after: String, expected: String) throws {
        #expect(try Self.next(expression, after: after) == Self.date(expected))
    }

    @Test func anExpressionThatNeverMatchesHasNoNextTick() throws {
        #expect(try Self.next("0 0 30 2 *", after: "2026-01-01 00:00") == nil)
    }

    @Test func aTimeZoneShiftsTheTick() throws {
        #expect(try Self.next("0 2 * * *", after: "2026-12-05 00:00", Self.paris) == Self.date("2026-12-05 01:00"))
    }

    @Test func daylightSavingGapsAndOverlapsFireOnce() throws {
        // 2026-03-29 in Paris: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist.
        let spring = try #require(try Self.next("30 2 * * *", after: "2026-03-29 00:00", Self.paris))
        #expect(spring == Self.date("2026-03-29 01:30"), "02:30 wall clock fires one hour after 01:30 UTC")
        let after = try #require(try CronExpression(parsing: "30 2 * * *").nextTick(after: spring, in: Self.paris))
        #expect(after == Self.date("2026-03-30 00:30"))
        // 2026-10-25 in Paris: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice.
        let fall = try #require(try Self.next("30 2 * * *", after: "2026-10-25 00:00", Self.paris))
        #expect(fall == Self.date("2026-10-25 00:30"), "the first 02:30 (CEST)")
        let following = try #require(try CronExpression(parsing: "30 2 * * *").nextTick(after: fall, in: Self.paris))
        #expect(following == Self.date("2026-10-26 01:30"), "the second 02:30 does not fire again")
    }

    @Test(arguments: [
        ("* * * *", 7, "expected 5 fields"),
        ("61 * * * *", 1, "out of range 0-59"),
        ("0 24 * * *", 3, "out of range 0-23"),
        ("0 0 * FOO *", 7, "'FOO' is not a number"),
        ("*/0 * * * *", 1, "the step '0'"),
        ("0 0 * * 5-1", 9, "runs backwards"),
        ("1,2,x * * * *", 5, "'x' is not a number"),
        ("@sometimes", 1, "unknown alias"),
        ("* * * * * *", 11, "found 6"),
    ])
    func badExpressionsNameTheColumn(expression: String, column: Int, message: String) throws {
        let error = try #require(throws: CronParseError.self) { try CronExpression(parsing: expression) }
        #expect(error.column == column, "\(error)")
        #expect(error.message.contains(message), "\(error)")
        #expect(!error.hint.isEmpty)
    }

    @Test func randomExpressionsTickAfterNowMatchAndSkipNothing() throws {
        var random = SplitMix64(seed: 16)
        let zones = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata"].compactMap(TimeZone.init(identifier:))
        for _ in 0..<40 {
            let minute = ["*", "*/\(Int.random(in: 7...30, using: &random))", "\(Int.random(in: 0...59, using: &random))"].randomElement(using: &random)!
            let hour = ["*", "\(Int.random(in: 0...23, using: &random))", "1-5", "*/6"].randomElement(using: &random)!
            let dom = ["*", "\(Int.random(in: 1...28, using: &random))", "1,15"].randomElement(using: &random)!
            let dow = ["*", "MON-FRI", "\(Int.random(in: 0...6, using: &random))"].randomElement(using: &random)!
            let expression = try CronExpression(parsing: "\(minute) \(hour) \(dom) * \(dow)")
            let zone = zones.randomElement(using: &random)!
            let now = Date(timeIntervalSince1970: 1_780_000_000 + Double(Int.random(in: 0...30_000_000, using: &random)))
            let tick = try #require(expression.nextTick(after: now, in: zone), "\(expression)")
            #expect(tick > now)
            #expect(expression.matches(tick, in: zone), "\(expression) in \(zone.identifier): \(tick)")
            // No matching minute between now and the tick (bounded scan of at most two days;
            // not across a daylight saving change, where a repeated wall-clock time fires once).
            if let change = zone.nextDaylightSavingTimeTransition(after: now), change < tick { continue }
            var probe = now.addingTimeInterval(60 - now.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
            var scanned = 0
            while probe < tick, scanned < 2 * 1440 {
                #expect(!expression.matches(probe, in: zone), "\(expression) in \(zone.identifier) skipped \(probe) before \(tick)")
                probe = probe.addingTimeInterval(60)
                scanned += 1
            }
        }
    }
}
