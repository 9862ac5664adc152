import Foundation
import QrewRedis
import Synchronization

/// The protocol's Lua scripts, one per atomic operation, read from the module's resources with
/// their `--@include name` lines replaced by `Scripts/lib/name.lua`, each on its first use.
///
/// Reading, inlining and hashing all 44 scripts took ~40 ms of CPU, most of a `qctl status`
/// call that uses none of them (docs/benchmarks.md, "Front door"); a service pays each script
/// once, then a dictionary lookup under an uncontended lock per call.
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

    /// Where the scripts come from: a directory, or this module's bundle once a script is needed.
    private enum Source: Sendable {
        case directory(LoadedScripts)
        case bundleOnFirstUse
    }

    private let source: Source

    /// The scripts shipped with this module.
    public static let bundled: Result<ScriptLibrary, QueueError> = Result { () throws(QueueError) in
        guard let directory = Bundle.module.url(forResource: "Scripts", withExtension: nil) else {
            throw QueueError.scripts("the Scripts resource directory is missing from \(Bundle.module.bundlePath)")
        }
        return try ScriptLibrary(directory: directory)
    }

    /// The scripts shipped with this module, looked up when the first script is used rather than
    /// now: for a one-shot client that may run none (`qctl status` only reads). Finding the bundle
    /// lists the executable's directory and checks every script file, ~1 ms of CPU in a
    /// 4–5 ms `qctl status` (docs/benchmarks.md, "Front door: qctl one-shot commands"). If the
    /// bundle is missing, each script fails with that reason when it is run.
    public static let bundledOnFirstUse = ScriptLibrary(source: .bundleOnFirstUse)

    private init(source: Source) {
        self.source = source
    }

    /// The scripts of `directory`; fails at once if an operation's file is missing there (its
    /// text is read when the operation is first used).
    public init(directory: URL) throws(QueueError) {
        for operation in Operation.allCases {
            let path = directory.appendingPathComponent("\(operation.rawValue).lua").path
            guard FileManager.default.isReadableFile(atPath: path) else { throw QueueError.scripts("cannot read \(path)") }
        }
        source = .directory(LoadedScripts(directory: directory))
    }

    /// The script of one operation. A script whose file (or an included library) cannot be read
    /// any more becomes one that fails with that reason, so the call reports it.
    public subscript(operation: Operation) -> RedisScript {
        switch source {
        case .directory(let loaded):
            return loaded.script(operation)
        case .bundleOnFirstUse:
            switch Self.bundled {
            case .success(let library): return library[operation]
            case .failure(let error): return Self.unavailable(operation, reason: error)
            }
        }
    }

    /// A script that fails at once, saying why `operation`'s own could not be read.
    private static func unavailable(_ operation: Operation, reason: any Error) -> RedisScript {
        let reason = "\(reason)".replacingOccurrences(of: "'", with: " ")
        return RedisScript("return redis.error_reply('qrew: script \(operation.rawValue) unavailable: \(reason)')")
    }

    /// The scripts read so far, by operation.
    private final class LoadedScripts: Sendable {
        let directory: URL
        let scripts = Mutex<[Operation: RedisScript]>([:])

        init(directory: URL) {
            self.directory = directory
        }

        func script(_ operation: Operation) -> RedisScript {
            if let script = scripts.withLock({ $0[operation] }) { return script }
            let script: RedisScript
            do {
                script = RedisScript(try ScriptLibrary.inlineIncludes(
                    ScriptLibrary.read(directory.appendingPathComponent("\(operation.rawValue).lua")), directory: directory))
            } catch {
                script = ScriptLibrary.unavailable(operation, reason: error)
            }
            scripts.withLock { $0[operation] = script }
            return script
        }
    }

    /// `source` with each `--@include name` line replaced by `lib/name.lua`, whose own includes
    /// are inlined the same way (lib/common includes lib/schedule). Lines are split on bytes:
    /// splitting on `Character`s (grapheme clusters) made this most of the loading time.
    static func inlineIncludes(_ source: String, directory: URL) throws(QueueError) -> String {
        var lines: [String] = []
        for line in source.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let text = String(Substring(line))
            if text.hasPrefix("--@include ") {
                let name = text.dropFirst("--@include ".count).trimmingCharacters(in: .whitespaces)
                lines.append(try inlineIncludes(read(directory.appendingPathComponent("lib/\(name).lua")), directory: directory))
            } else {
                lines.append(text)
            }
        }
        return lines.joined(separator: "\n")
    }

    fileprivate static func read(_ url: URL) throws(QueueError) -> String {
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw QueueError.scripts("cannot read \(url.path): \(error.localizedDescription)")
        }
    }
}
