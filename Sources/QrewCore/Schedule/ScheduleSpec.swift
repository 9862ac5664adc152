import Foundation

/// When a workflow runs by itself: a cron expression in a time zone, and what to do about ticks
/// missed while no coordinator ran (`catchUp`) and about a previous run still going (`overlap`).
/// Written as `schedule:` in a workflow file, or given to `qctl schedule add`.
public struct ScheduleSpec: Sendable, Hashable, Codable {
    /// Ticks missed while no coordinator ran (more than `ScheduleSpec.lateness` late).
    public enum CatchUp: String, Sendable, Hashable, Codable, CaseIterable {
        /// Missed ticks are skipped; the schedule goes on with the next one.
        case none
        /// One run stands in for all missed ticks (the latest of them).
        case one
        /// Every missed tick runs, the latest `ScheduleSpec.catchUpLimit` of them.
        case all
    }

    /// A tick that comes while the schedule's previous run is still unfinished.
    public enum Overlap: String, Sendable, Hashable, Codable, CaseIterable {
        /// The new run starts anyway.
        case allow
        /// The tick is skipped (counted in the schedule's `skipped`).
        case skip
        /// The previous run is canceled and the new one starts.
        case cancelPrevious
    }

    /// The cron expression as written (`CronExpression`).
    public var cron: String
    /// IANA time zone name the expression is read in.
    public var timeZone: String
    public var catchUp: CatchUp
    public var overlap: Overlap

    /// Most runs one firing submits under `catchUp: all`.
    public static let catchUpLimit = 100
    /// How late a tick may fire and still count as on time rather than missed.
    public static let lateness = Duration.seconds(60)

    /// Creates a schedule; the cron text and time zone are checked by `validated()`.
    public init(cron: String, timeZone: String = "UTC", catchUp: CatchUp = .one, overlap: Overlap = .allow) {
        self.cron = cron
        self.timeZone = timeZone
        self.catchUp = catchUp
        self.overlap = overlap
    }

    /// The parsed expression and time zone, or what is wrong with them and how to fix it.
    public func validated() throws(ScheduleSpecError) -> (expression: CronExpression, timeZone: TimeZone) {
        let expression: CronExpression
        do {
            expression = try CronExpression(parsing: cron)
        } catch {
            throw .cron(error)
        }
        guard let zone = TimeZone(identifier: timeZone) else { throw .timeZone(timeZone) }
        return (expression, zone)
    }

    /// What a coordinator does with a schedule at `now`: the ticks to submit runs for (oldest
    /// first) and the schedule's next tick. `next` is the tick the schedule waits for (nil for a
    /// schedule just added or resumed: it then only learns its first tick after `now`).
    public func plan(next: Date?, now: Date) throws(ScheduleSpecError) -> SchedulePlan {
        let (expression, zone) = try validated()
        guard let next else { return SchedulePlan(fire: [], next: expression.nextTick(after: now, in: zone)) }
        guard next <= now else { return SchedulePlan(fire: [], next: next) }
        let due = Self.latestTicks(of: expression, in: zone, from: next, through: now, limit: Self.catchUpLimit)
        let upcoming = expression.nextTick(after: now, in: zone)
        let onTimeSince = now.addingTimeInterval(-Double(Self.lateness.components.seconds))
        let latest = due[due.count - 1]
        let fire: [Date]
        switch catchUp {
        case .all: fire = due
        case .one: fire = [latest]
        case .none: fire = latest >= onTimeSince ? [latest] : []
        }
        return SchedulePlan(fire: fire, next: upcoming)
    }
}

extension ScheduleSpec {
    /// The latest `limit` ticks in [first, now], oldest first (`first` is a tick itself). Looks
    /// back from `now` in widening windows, so a schedule idle for a year costs about as much as
    /// one idle for a minute.
    static func latestTicks(of expression: CronExpression, in zone: TimeZone, from first: Date, through now: Date, limit: Int) -> [Date] {
        var window: TimeInterval = 3600
        while true {
            let start = max(first, now.addingTimeInterval(-window))
            var ticks: [Date] = start == first ? [first] : []
            var cursor = start == first ? first : start.addingTimeInterval(-0.001)
            while let tick = expression.nextTick(after: cursor, in: zone), tick <= now {
                ticks.append(tick)
                if ticks.count > limit { ticks.removeFirst() }
                cursor = tick
            }
            if ticks.count >= limit || start == first { return ticks }
            window *= 8
        }
    }
}

/// The outcome of `ScheduleSpec.plan`.
public struct SchedulePlan: Sendable, Equatable {
    /// Ticks to submit a run for, oldest first.
    public var fire: [Date]
    /// The tick to wait for next; nil when the expression never matches again.
    public var next: Date?
}

/// A schedule that cannot be used: a cron expression that does not parse or an unknown time zone.
public enum ScheduleSpecError: Error, Equatable, CustomStringConvertible {
    case cron(CronParseError)
    case timeZone(String)

    public var description: String {
        switch self {
        case .cron(let error): "cron expression \(error)"
        case .timeZone(let name): "unknown time zone '\(name)'; use an IANA name such as UTC, Europe/Paris or America/New_York"
        }
    }
}

extension ScheduleSpec {
    /// Whether `name` can name a schedule: 1 to 64 letters, digits, '-', '_' and '.'.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { $0 == 45 || $0 == 46 || $0 == 95 || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }

    /// The id of the run a schedule submits for `tick`: the schedule's name and the tick in UTC
    /// (`nightly-20261205-0200`), so firing the same tick twice names the same run.
    public static func runID(schedule name: String, tick: Date) -> String {
        let parts = CronExpression.calendar(TimeZone(identifier: "UTC")!).dateComponents(
            [.year, .month, .day, .hour, .minute], from: tick)
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(name)-\(parts.year ?? 0)\(two(parts.month))\(two(parts.day))-\(two(parts.hour))\(two(parts.minute))"
    }
}
