import Foundation

extension WorkflowDecoder {
    static let scheduleKeys = ["cron", "timezone", "catchUp", "overlap"]

    /// `schedule: { cron, timezone, catchUp, overlap }`: the expression and time zone are checked
    /// here, so a bad schedule is a problem with its line and column like any other.
    mutating func decodeSchedule(_ node: YAMLNode) -> ScheduleSpec? {
        guard let fields = fields(of: node, at: "schedule", allowed: Self.scheduleKeys, stepID: nil, what: "a mapping") else {
            return nil
        }
        guard let cronNode = fields["cron"] else {
            report(.missingField, at: node, field: "schedule.cron", stepID: nil, "'schedule' needs a 'cron' expression",
                   hint: "write e.g. schedule: { cron: \"0 2 * * *\" } (02:00 every day)")
            return nil
        }
        guard let cron = string(cronNode, at: "schedule.cron", stepID: nil) else { return nil }
        var spec = ScheduleSpec(cron: cron)
        do {
            _ = try CronExpression(parsing: cron)
        } catch {
            report(.invalidValue, at: cronNode, field: "schedule.cron", stepID: nil,
                   "'cron' at column \(error.column) of \"\(cron)\": \(error.message)", hint: error.hint)
            return nil
        }
        if let zoneNode = fields["timezone"], let zone = string(zoneNode, at: "schedule.timezone", stepID: nil) {
            spec.timeZone = zone
            if TimeZone(identifier: zone) == nil {
                report(.invalidValue, at: zoneNode, field: "schedule.timezone", stepID: nil, "unknown time zone '\(zone)'",
                       hint: "use an IANA name such as UTC, Europe/Paris or America/New_York")
            }
        }
        if let value = fields["catchUp"], let text = string(value, at: "schedule.catchUp", stepID: nil) {
            if let policy = ScheduleSpec.CatchUp(rawValue: text) {
                spec.catchUp = policy
            } else {
                report(.invalidValue, at: value, field: "schedule.catchUp", stepID: nil, "'catchUp' cannot be '\(text)'",
                       hint: "use none (skip missed ticks), one (one run for all missed ticks) or all (every missed tick, at most \(ScheduleSpec.catchUpLimit))")
            }
        }
        if let value = fields["overlap"], let text = string(value, at: "schedule.overlap", stepID: nil) {
            if let policy = ScheduleSpec.Overlap(rawValue: text) {
                spec.overlap = policy
            } else {
                report(.invalidValue, at: value, field: "schedule.overlap", stepID: nil, "'overlap' cannot be '\(text)'",
                       hint: "use allow (start anyway), skip (skip the tick) or cancelPrevious (cancel the running run, then start)")
            }
        }
        return spec
    }
}
