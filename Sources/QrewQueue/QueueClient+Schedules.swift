import Foundation
import QrewCore
import QrewRedis

/// A stored schedule (`P:schedule:<name>`), as `qctl schedule list` shows it.
public struct StoredSchedule: Sendable, Equatable {
    public var name: String
    public var spec: ScheduleSpec
    /// The workflow file's name when it was added.
    public var file: String
    public var paused: Bool
    /// The tick the schedule waits for (ms since the epoch); nil until the leader computed it.
    public var next: Int?
    public var lastRun: String?
    /// The tick of `lastRun` (ms since the epoch).
    public var lastTick: Int?
    /// Runs submitted and ticks skipped (overlap: skip) since it was added.
    public var fired: Int
    public var skipped: Int

    init(fields: [String: String]) {
        name = fields["name"] ?? ""
        spec = ScheduleSpec(
            cron: fields["cron"] ?? "", timeZone: fields["timezone"] ?? "UTC",
            catchUp: fields["catchUp"].flatMap(ScheduleSpec.CatchUp.init(rawValue:)) ?? .one,
            overlap: fields["overlap"].flatMap(ScheduleSpec.Overlap.init(rawValue:)) ?? .allow)
        file = fields["file"] ?? ""
        paused = fields["paused"] == "1"
        next = fields["next"].flatMap { Int($0) }
        lastRun = fields["lastRun"]
        lastTick = fields["lastTick"].flatMap { Int($0) }
        fired = fields["fired"].flatMap { Int($0) } ?? 0
        skipped = fields["skipped"].flatMap { Int($0) } ?? 0
    }
}

/// What one `fireDueSchedules` pass did.
public struct ScheduleFiring: Sendable, Equatable {
    /// Run ids submitted, in order.
    public var submitted: [String] = []
    /// Ticks skipped because the previous run was still going (overlap: skip).
    public var skipped = 0
    /// Previous runs canceled (overlap: cancelPrevious).
    public var canceled = 0
    /// Schedules whose stored cron or time zone no longer parse (left out of P:schedules).
    public var broken: [String] = []
    /// Time until the next schedule is due, when one is.
    public var nextDue: Duration?

    /// A pass that did nothing.
    public init() {}
}

extension QueueClient {
    /// Most schedules one `fireDueSchedules` pass fires; the rest are fired on the next pass.
    static let schedulesPerPass = 100

    /// Stores schedule `name` (`add_schedule`); false when the name is taken and not `replace`.
    /// `files` are the texts of the files the workflow's child workflows name, by resolved path,
    /// queued with each run it submits.
    public func addSchedule(
        name: String, spec: ScheduleSpec, fileName: String, workflow: String, params: [String: String], replace: Bool,
        files: [String: String] = [:]
    ) async throws(QueueError) -> Bool {
        let encodedParams = (try? JSONEncoder().encode(params)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        var document: [String: String] = [
            "workflow": workflow, "file": fileName, "params": encodedParams, "cron": spec.cron, "timezone": spec.timeZone,
            "catchUp": spec.catchUp.rawValue, "overlap": spec.overlap.rawValue,
        ]
        if !files.isEmpty { document["files"] = files.jsonObjectText }
        let json = (try? JSONEncoder().encode(document)).map { Array($0) } ?? Array("{}".utf8)
        let reply = try await run(.addSchedule, keys: [keys.schedule(name), keys.schedules], [.string(name), .int(replace ? 1 : 0), .bytes(json)])
        guard let stored = reply.int else { throw unexpected(.addSchedule, reply) }
        return stored == 1
    }

    /// Deletes schedule `name` (`remove_schedule`); false when there was none.
    public func removeSchedule(_ name: String) async throws(QueueError) -> Bool {
        let reply = try await run(.removeSchedule, keys: [keys.schedule(name), keys.schedules], [.string(name)])
        guard let removed = reply.int else { throw unexpected(.removeSchedule, reply) }
        return removed == 1
    }

    /// Pauses or resumes schedule `name` (`pause_schedule`): true when it changed, false when it
    /// already was so, nil when there is no such schedule.
    public func setSchedulePaused(_ name: String, paused: Bool) async throws(QueueError) -> Bool? {
        let reply = try await run(.pauseSchedule, keys: [keys.schedule(name), keys.schedules], [.string(name), .int(paused ? 1 : 0)])
        guard let changed = reply.int else { throw unexpected(.pauseSchedule, reply) }
        return changed < 0 ? nil : changed == 1
    }

    /// One schedule, or nil when there is none of that name.
    public func schedule(_ name: String) async throws(QueueError) -> StoredSchedule? {
        let fields = Self.hash(try await send(["HGETALL", .string(keys.schedule(name))]))
        return fields.isEmpty ? nil : StoredSchedule(fields: fields)
    }

    /// Every schedule, by name.
    public func schedules() async throws(QueueError) -> [StoredSchedule] {
        var names: [String] = []
        var cursor = "0"
        repeat {
            let reply = try await send(["SCAN", .string(cursor), "MATCH", .string(keys.schedule("*")), "COUNT", 1000])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else { throw .unexpectedReply(operation: "SCAN", reply: "\(reply)") }
            names += (parts[1].array ?? []).compactMap(\.string)
            cursor = next
        } while cursor != "0"
        let replies = try await pipeline(names.sorted().map { ["HGETALL", .string($0)] })
        return replies.map(Self.hash).filter { !$0.isEmpty }.map(StoredSchedule.init(fields:))
    }

    /// The leader's pass over due schedules: for each, plans the ticks to submit on Redis's
    /// clock (`ScheduleSpec.plan`) and fires them with the new next tick in one fenced
    /// `fire_schedule` call. A schedule another call fired meanwhile is left alone.
    public func fireDueSchedules(fence: String) async throws(QueueError) -> ScheduleFiring {
        let reply = try await run(.dueSchedules, keys: [keys.schedules], [.int(Self.schedulesPerPass)])
        guard let items = reply.array, items.count >= 2, let now = items[0].int, let upcoming = items[1].int else {
            throw unexpected(.dueSchedules, reply)
        }
        var firing = ScheduleFiring()
        var earliest = upcoming >= 0 ? upcoming : nil
        for name in items.dropFirst(2).compactMap(\.string) {
            guard let stored = try await schedule(name) else { continue }
            let plan: SchedulePlan
            do {
                plan = try stored.spec.plan(next: stored.next.map(Self.date(milliseconds:)), now: Self.date(milliseconds: now))
            } catch {
                firing.broken.append(name)
                _ = try await run(.fireSchedule, [.string(fence), .string(name), .string(stored.next.map(String.init) ?? ""), ""])
                continue
            }
            let nextTick = plan.next.map(Self.milliseconds(of:))
            var args: [RedisArgument] = [
                .string(fence), .string(name), .string(stored.next.map(String.init) ?? ""), .string(nextTick.map(String.init) ?? ""),
            ]
            let runIDs = plan.fire.map { ScheduleSpec.runID(schedule: name, tick: $0) }
            for (tick, runID) in zip(plan.fire, runIDs) { args += [.int(Self.milliseconds(of: tick)), .string(runID)] }
            let result = try await run(.fireSchedule, args)
            guard let parts = result.array, parts.count == 3, let submitted = parts[0].int, let skipped = parts[1].int,
                  let canceled = parts[2].int else {
                if result.array?.first?.int == -1 { continue }
                throw unexpected(.fireSchedule, result)
            }
            if submitted > 0 { firing.submitted += runIDs.suffix(submitted) }
            firing.skipped += skipped
            firing.canceled += canceled
            if let nextTick { earliest = min(earliest ?? nextTick, nextTick) }
        }
        firing.nextDue = earliest.map { .milliseconds(max(0, $0 - now)) }
        return firing
    }

    static func date(milliseconds: Int) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
    static func milliseconds(of date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded()) }
}
