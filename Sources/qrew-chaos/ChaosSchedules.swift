import Foundation
import QrewCore
import QrewQueue
import QrewRedis

/// The schedules the suite registers, so schedules fire while leaders are killed: each fires
/// every minute (`catchUp: all`, `overlap: allow`) a generated workflow of its own. A minute is
/// longer than the smoke's window, so the driver makes each schedule's first tick due at once, at a
/// time spread over the fault window, by moving the tick the leader planned back one minute (as
/// `ScheduleCommandTests` does, but compare-and-set, and again if a Redis restart lost it). After
/// the window the schedules are paused once caught up (their next tick is in the future), and the
/// verifier checks that every minute from a schedule's first run through its last fired tick
/// produced exactly one run, and that each of those runs succeeded (`verify`).
struct ChaosSchedules: Sendable {
    struct Entry: Sendable {
        let name: String
        /// The scheduled workflow; each tick's run is this plan under the tick's run id.
        let plan: PlannedRun
    }

    /// What a schedule looked like once paused.
    struct Outcome: Sendable {
        let name: String
        /// Its last fired tick (ms); nil if it never fired.
        let lastTick: Int?
        /// Runs its firings submitted (`fired`).
        let fired: Int
        /// Whether its next tick was in the future when it was paused (it had fired every due tick).
        let caughtUp: Bool
    }

    let queue: QueueClient
    let entries: [Entry]
    let log: FaultLog

    /// Moves a schedule's planned first tick back one minute, unless it fired already or the
    /// leader has planned another tick meanwhile: ARGV schedule key, schedules key, name, next.
    /// Returns 1 when moved, 0 when it fired already, -1 when `next` is not the one read.
    private static let moveBack = """
        if redis.call('HEXISTS', ARGV[1], 'lastTick') == 1 then return 0 end
        if redis.call('HGET', ARGV[1], 'next') ~= ARGV[4] then return -1 end
        local tick = tonumber(ARGV[4]) - 60000
        redis.call('HSET', ARGV[1], 'next', tostring(tick))
        redis.call('ZADD', ARGV[2], tick, ARGV[3])
        return 1
        """

    static let spec = ScheduleSpec(cron: "* * * * *", timeZone: "UTC", catchUp: .all, overlap: .allow)

    /// Adds every schedule (retried while Redis is unreachable, until `deadline`); false if one
    /// could not be added.
    func add(deadline: ContinuousClock.Instant) async -> Bool {
        for entry in entries {
            var added = false
            while !added, ContinuousClock.now < deadline {
                do {
                    _ = try await queue.addSchedule(
                        name: entry.name, spec: Self.spec, fileName: "\(entry.name).json", workflow: entry.plan.workflow,
                        params: [:], replace: true)
                    added = true
                } catch {
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
            if !added { return false }
        }
        log.note("added \(entries.count) schedule(s) firing every minute: \(entries.map(\.name).joined(separator: ", "))")
        return true
    }

    /// Makes each schedule's first tick due at once, spread evenly over `span`, and waits until
    /// it fired (or `deadline`).
    func drive(over span: Duration, deadline: ContinuousClock.Instant) async {
        let opened = ContinuousClock.now
        let gap = span / max(entries.count, 1)
        for (index, entry) in entries.enumerated() {
            try? await Task.sleep(until: opened + gap * index)
            // The tick this loop made due; moved again only if `next` lost it (a Redis restart
            // dropped the write) before the schedule fired.
            var poked: Int?
            while ContinuousClock.now < deadline, !Task.isCancelled {
                guard let schedule = try? await queue.schedule(entry.name) else {
                    try? await Task.sleep(for: .milliseconds(250))
                    continue
                }
                if schedule.lastTick != nil { break }
                if let next = schedule.next, next > 0, next != poked,
                   let moved = try? await queue.redis.send(
                       "EVAL", .string(Self.moveBack), 0, .string(queue.keys.schedule(entry.name)),
                       .string(queue.keys.prefix + ":schedules"), .string(entry.name), .string(String(next))).int,
                   moved == 1 {
                    poked = next - 60_000
                    log.note("schedule \(entry.name): tick \(next - 60_000) made due")
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Waits (until `deadline`) for every schedule to have fired each due tick, then pauses it.
    func stop(deadline: ContinuousClock.Instant) async -> [Outcome] {
        var outcomes: [Outcome] = []
        for entry in entries {
            var caughtUp = false
            var paused = false
            var schedule: StoredSchedule?
            while ContinuousClock.now < deadline {
                if let read = try? await queue.schedule(entry.name), let now = try? await redisMilliseconds() {
                    schedule = read
                    caughtUp = read.lastTick != nil && (read.next ?? 0) > now
                    if caughtUp || read.paused {
                        if (try? await queue.setSchedulePaused(entry.name, paused: true)) != nil {
                            paused = true
                            schedule = (try? await queue.schedule(entry.name)) ?? read
                            break
                        }
                    }
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
            if !paused { _ = try? await queue.setSchedulePaused(entry.name, paused: true) }
            outcomes.append(Outcome(name: entry.name, lastTick: schedule?.lastTick, fired: schedule?.fired ?? 0, caughtUp: caughtUp))
        }
        return outcomes
    }

    /// Redis's clock (the scripts' NOW), in ms.
    private func redisMilliseconds() async throws -> Int {
        let parts = try await queue.redis.send("TIME").array ?? []
        guard parts.count == 2, let seconds = parts[0].string.flatMap(Int.init), let micros = parts[1].string.flatMap(Int.init) else {
            throw ChaosScheduleError.unexpectedTime
        }
        return seconds * 1000 + micros / 1000
    }

    /// The ticks a schedule must have produced runs for: every minute from its first run (by the
    /// run ids stored, `<name>-<yyyyMMdd-HHmm>`) through its last fired tick. Problems (a schedule
    /// that never fired or never caught up, a gap, a run for a tick outside the range, `fired`
    /// other than the tick count) go to `report`.
    static func expectedRuns(_ outcome: Outcome, storedRunIDs: [String], into report: inout ChaosReport) -> [String] {
        let name = outcome.name
        let ticks = storedRunIDs.compactMap { id -> Int? in
            guard id.hasPrefix(name + "-"), id.count == name.count + 14 else { return nil }
            return tick(ofRunID: String(id.dropFirst(name.count + 1)))
        }.sorted()
        guard let lastTick = outcome.lastTick, let first = ticks.first else {
            report.add(.lost, run: name, "schedule \(name) never fired (last tick \(outcome.lastTick.map(String.init) ?? "none"), runs \(ticks.count))")
            return []
        }
        if !outcome.caughtUp {
            report.add(.unfinished, run: name, "schedule \(name) did not catch up before the settle deadline (last tick \(lastTick))")
        }
        let expected = Array(stride(from: first, through: lastTick, by: 60_000))
        let ids = expected.map { ScheduleSpec.runID(schedule: name, tick: Date(timeIntervalSince1970: Double($0) / 1000)) }
        let stray = ticks.filter { $0 > lastTick || ($0 - first) % 60_000 != 0 }
        if !stray.isEmpty {
            report.add(.doubled, run: name, "schedule \(name) has runs for ticks \(stray) outside its fired ticks \(first)...\(lastTick)")
        }
        if outcome.fired != expected.count {
            report.add(outcome.fired > expected.count ? .doubled : .lost, run: name,
                       "schedule \(name) counted \(outcome.fired) fired run(s) for \(expected.count) due tick(s) \(first)...\(lastTick)")
        }
        return ids
    }

    /// The tick (ms) of a scheduled run id's `yyyyMMdd-HHmm` (UTC) part.
    static func tick(ofRunID suffix: String) -> Int? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmm"
        return formatter.date(from: suffix).map { Int($0.timeIntervalSince1970 * 1000) }
    }
}

enum ChaosScheduleError: Error {
    case unexpectedTime
}
