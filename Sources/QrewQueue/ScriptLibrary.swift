import Foundation
import QrewRedis

/// The protocol's Lua scripts, one per atomic operation, read once from the module's resources
/// with their `--@include name` lines replaced by `Scripts/lib/name.lua`.
///
/// Scripts are sent with EVALSHA; the client loads a script on NOSCRIPT (after a Redis restart
/// or `SCRIPT FLUSH`), so nothing has to be preloaded.
public struct ScriptLibrary: Sendable {
    /// The atomic operations of the protocol (file names under `Scripts/`).
    public enum Operation: String, CaseIterable, Sendable {
        case acquireLeadership = "acquire_leadership"
        case releaseLeadership = "release_leadership"
        case submitRun = "submit_run"
        case storeTasks = "store_tasks"
        case claim
        case heartbeat
        case complete
        case applyEvents = "apply_events"
        case promoteDelayed = "promote_delayed"
        case reapLeases = "reap_leases"
        case cancelRun = "cancel_run"
        case continueRun = "continue_run"
        case sweepRuns = "sweep_runs"
        case appendOutput = "append_output"
        case handBack = "hand_back"
        case rejectRun = "reject_run"
        case retryRun = "retry_run"
        case expireRuns = "expire_runs"
        case expireTasks = "expire_tasks"
        case pruneWorkers = "prune_workers"
        case pruneRuns = "prune_runs"
        case purgeDeadLetters = "purge_dead_letters"
        case recordCrash = "record_crash"
        case recordIntakeCrash = "record_intake_crash"
        case wakeGates = "wake_gates"
        case resetBreaker = "reset_breaker"
        case expireQueued = "expire_queued"
        case recordThrottle = "record_throttle"
        case reportProgress = "report_progress"
        case completeFromCache = "complete_from_cache"
        case metricsSnapshot = "metrics_snapshot"
        case purgeCache = "purge_cache"
        case submitIdempotent = "submit_idempotent"
        case addSchedule = "add_schedule"
        case removeSchedule = "remove_schedule"
        case pauseSchedule = "pause_schedule"
        case dueSchedules = "due_schedules"
        case fireSchedule = "fire_schedule"
        case expandTask = "expand_task"
        case approve
        case signal
        case skipTask = "skip_task"
        case startChild = "start_child"
        case finishChildren = "finish_children"
    }

    private let scripts: [Operation: RedisScript]

    /// The scripts shipped with this module.
    public static let bundled: Result<ScriptLibrary, QueueError> = Result { () throws(QueueError) in
        guard let directory = Bundle.module.url(forResource: "Scripts", withExtension: nil) else {
            throw QueueError.scripts("the Scripts resource directory is missing from \(Bundle.module.bundlePath)")
        }
        return try ScriptLibrary(directory: directory)
    }

    /// Reads every operation's script from `directory` and inlines its includes.
    public init(directory: URL) throws(QueueError) {
        var scripts: [Operation: RedisScript] = [:]
        for operation in Operation.allCases {
            let source = try Self.read(directory.appendingPathComponent("\(operation.rawValue).lua"))
            scripts[operation] = RedisScript(try Self.inlineIncludes(source, directory: directory))
        }
        self.scripts = scripts
    }

    /// The script of one operation.
    public subscript(operation: Operation) -> RedisScript {
        // Every case is loaded in init, so the lookup cannot miss.
        scripts[operation] ?? RedisScript("return redis.error_reply('qrew: script missing')")
    }

    /// `source` with each `--@include name` line replaced by `lib/name.lua`, whose own includes
    /// are inlined the same way (lib/common includes lib/schedule).
    static func inlineIncludes(_ source: String, directory: URL) throws(QueueError) -> String {
        var lines: [String] = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("--@include ") {
                let name = line.dropFirst("--@include ".count).trimmingCharacters(in: .whitespaces)
                lines.append(try inlineIncludes(read(directory.appendingPathComponent("lib/\(name).lua")), directory: directory))
            } else {
                lines.append(String(line))
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func read(_ url: URL) throws(QueueError) -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw QueueError.scripts("cannot read \(url.path): \(error.localizedDescription)")
        }
    }
}
