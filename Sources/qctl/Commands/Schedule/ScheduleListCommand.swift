import QrewInspect
import ArgumentParser
import Foundation
import QrewQueue

/// `qctl schedule list`: every schedule with its cron, policies, next tick and last run.
struct ScheduleListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List schedules: cron, time zone, policies, next tick, last run.")

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print a JSON array.")
    var json = false

    func run() async throws {
        try await redis.withQueue { queue in
            let schedules = try await queue.schedules()
            if json {
                let array: [[String: Any]] = schedules.map { schedule in
                    [
                        "name": schedule.name, "cron": schedule.spec.cron, "timezone": schedule.spec.timeZone,
                        "catchUp": schedule.spec.catchUp.rawValue, "overlap": schedule.spec.overlap.rawValue,
                        "file": schedule.file, "paused": schedule.paused, "fired": schedule.fired, "skipped": schedule.skipped,
                        "next": schedule.next.map { Timestamp.rfc3339(milliseconds: $0) } ?? NSNull(),
                        "lastRun": schedule.lastRun ?? NSNull(),
                        "lastTick": schedule.lastTick.map { Timestamp.rfc3339(milliseconds: $0) } ?? NSNull(),
                    ]
                }
                let data = try JSONSerialization.data(withJSONObject: array, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                Console.out(String(decoding: data, as: UTF8.self))
                return
            }
            guard !schedules.isEmpty else {
                Console.out("no schedules in namespace '\(redis.resolvedNamespace)'; `qctl schedule add NAME FILE --cron ...` adds one")
                return
            }
            let rows = schedules.map { schedule in
                [
                    schedule.name, schedule.spec.cron, schedule.spec.timeZone, schedule.spec.catchUp.rawValue,
                    schedule.spec.overlap.rawValue,
                    schedule.paused ? "paused" : schedule.next.map { Timestamp.rfc3339(milliseconds: $0) } ?? "pending",
                    schedule.lastRun ?? "-", "\(schedule.fired)/\(schedule.skipped)",
                ]
            }
            TextTable.render(header: ["name", "cron", "timezone", "catchUp", "overlap", "next", "last run", "fired/skipped"], rows: rows)
                .forEach { Console.out($0) }
        }
    }
}
