import QrewInspect
import ArgumentParser
import Foundation
import QrewQueue

/// `qctl status RUN`: the run's state and one row per task; `--json` is the stable document of
/// docs/status-json.md. A one-shot read: it runs on the calling thread with one Redis connection.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        _superCommandName: "qctl",
        abstract: "Show a run's state and its tasks.")

    @Argument(help: ArgumentHelp("Run id.", valueName: "run"))
    var runID: String

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print the stable JSON document of docs/status-json.md.")
    var json = false

    func run() throws {
        try CallingThreadExecutor.run { try await show() }
    }

    private func show() async throws {
        try await redis.withQueue(connections: 1) { queue in
            guard let snapshot = try await queue.runSnapshot(runID) else { throw CommandFailure.unknownRun(runID, redis) }
            let document = RunStatusDocument(
                snapshot, gateWaits: try await queue.gateWaits(snapshot), childStates: try await queue.childRunStates(snapshot))
            if json {
                try Console.json(document)
            } else {
                Console.out(Self.render(document, fields: snapshot.fields))
            }
        }
    }

    static func render(_ run: RunStatusDocument, fields: [String: String]) -> String {
        var lines = ["run \(run.id)\(run.name.isEmpty ? "" : " (\(run.name))"): \(run.state)"]
        let created = Timestamp.milliseconds(fields["createdAt"])
        let started = Timestamp.milliseconds(fields["startedAt"])
        let finished = Timestamp.milliseconds(fields["finishedAt"])
        var times: [String] = []
        if let created { times.append("created \(Timestamp.dateTime(milliseconds: created))") }
        if let started { times.append("started \(Timestamp.dateTime(milliseconds: started))") }
        if let finished { times.append("finished \(Timestamp.dateTime(milliseconds: finished))") }
        if let finished, let begin = started ?? created { times.append("took \(Timestamp.duration(milliseconds: finished - begin))") }
        if !times.isEmpty { lines.append(times.joined(separator: ", ")) }
        if let error = run.error { lines.append("reason: \(error)") }
        if let parent = run.parent { lines.append("parent: run \(parent.run), step task \(parent.task)") }
        if !run.children.isEmpty {
            lines.append("children: " + run.children.map { "\($0.run) (\($0.task), \($0.state))" }.joined(separator: ", "))
        }
        if run.throttles > 0 { lines.append("worker throttles: \(run.throttles) (slot changes under --concurrency auto)") }
        if run.cache.hits + run.cache.misses > 0 {
            lines.append("result cache: \(run.cache.hits) hit\(run.cache.hits == 1 ? "" : "s"), \(run.cache.misses) miss\(run.cache.misses == 1 ? "" : "es")")
        }
        if !run.tasks.isEmpty {
            lines.append("")
            let rows = run.tasks.map { task -> [String] in
                [task.id, Self.state(task), "\(task.attempts)", task.worker ?? "-", Self.duration(task), task.exitCode.map(String.init) ?? "-",
                 Self.progress(task),
                 task.waitingFor.map { "waiting: \($0)" }
                     ?? (task.state == "running" ? task.childRun.map { "child run \($0)" } : nil)
                     ?? TextTable.truncated(task.error ?? task.output ?? "", limit: 60)]
            }
            lines += TextTable.render(
                header: ["task", "state", "attempts", "worker", "duration", "exit", "progress", "error / output"], rows: rows)
        }
        return lines.joined(separator: "\n")
    }

    /// `42% copying` from the task's latest progress report, `-` without one.
    private static func progress(_ task: RunStatusDocument.TaskStatus) -> String {
        let parts = [task.progress.map { "\($0)%" }, task.progressMessage.map { TextTable.truncated($0, limit: 30) }].compactMap { $0 }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }

    /// The state, marked when the result came from the cache (with the similarity of a near match).
    private static func state(_ task: RunStatusDocument.TaskStatus) -> String {
        guard task.cached else { return task.state }
        guard let match = task.cacheMatch else { return "\(task.state) (cached)" }
        return "\(task.state) (cached, similarity \(String(format: "%.3f", match.score)) to \(match.key.prefix(12)))"
    }

    private static func duration(_ task: RunStatusDocument.TaskStatus) -> String {
        guard let start = task.startMilliseconds, let end = task.finishMilliseconds else { return "-" }
        return Timestamp.duration(milliseconds: end - start)
    }
}
