import Foundation
import QrewRedis

extension QueueClient {
    /// Queues a workflow file for the coordinators; returns the stream entry id. `files` are the
    /// texts of the files its child workflows name, by resolved path (entry field `files`, a JSON
    /// object, present only when there are some). `traceparent` (a W3C value, checked with
    /// `RunTrace(parent:)` first) makes the run part of that trace.
    public func enqueueSubmission(
        runID: String, fileName: String, workflow: String, params: [String: String], files: [String: String] = [:],
        traceparent: String? = nil
    ) async throws(QueueError) -> String {
        let command = submissionCommand(
            runID: runID, fileName: fileName, workflow: workflow, params: params, files: files, traceparent: traceparent)
        let reply = try await send(command)
        guard let id = reply.string else { throw .unexpectedReply(operation: "XADD submissions", reply: "\(reply)") }
        return id
    }

    /// The `XADD` that `enqueueSubmission` sends, for a client that sends it on a connection of
    /// its own (the benchmark's latency probe).
    public func submissionCommand(
        runID: String, fileName: String, workflow: String, params: [String: String], files: [String: String] = [:],
        traceparent: String? = nil
    ) -> [RedisArgument] {
        let encodedParams = (try? JSONEncoder().encode(params)).map { Array($0) } ?? Array("{}".utf8)
        var command: [RedisArgument] = [
            "XADD", .string(keys.submissions), "*", "run", .string(runID), "file", .string(fileName),
            "workflow", .string(workflow), "params", .bytes(encodedParams), "submittedAt", .int(Int(Date().timeIntervalSince1970 * 1000)),
        ]
        if !files.isEmpty { command += ["files", .string(files.jsonObjectText)] }
        if let traceparent { command += ["traceparent", .string(traceparent)] }
        return command
    }

    /// The run's hash and all of its tasks (two round trips), or nil for an unknown run.
    public func runSnapshot(_ runID: String) async throws(QueueError) -> RunSnapshot? {
        let head = try await pipeline([
            ["HGETALL", .string(keys.run(runID))], ["LRANGE", .string(keys.runTasks(runID)), 0, -1],
        ])
        let fields = Self.hash(head[0])
        guard !fields.isEmpty else { return nil }
        let ids = head[1].array?.compactMap(\.string) ?? []
        let replies = try await pipeline(ids.map { ["HGETALL", .string(keys.task(TaskRef(runID: runID, taskID: $0)))] })
        return RunSnapshot(id: runID, fields: fields, tasks: replies.map(Self.hash))
    }

    /// The run's hash alone (one round trip), or nil for an unknown run: what a client polls
    /// while waiting for a run to appear or finish, without reading every task.
    public func runFields(_ runID: String) async throws(QueueError) -> [String: String]? {
        let fields = Self.hash(try await send(["HGETALL", .string(keys.run(runID))]))
        return fields.isEmpty ? nil : fields
    }

    /// The newest runs first, with their hash fields.
    public func listRuns(limit: Int = 50) async throws(QueueError) -> [(id: String, fields: [String: String])] {
        let ids = try await send(["ZREVRANGE", .string(keys.runs), 0, .int(max(limit, 1) - 1)]).array?.compactMap(\.string) ?? []
        let replies = try await pipeline(ids.map { ["HGETALL", .string(keys.run($0))] })
        return zip(ids, replies).map { ($0, Self.hash($1)) }.filter { !$0.fields.isEmpty }
    }

    /// Progress events of up to `count` stream entries after `afterID` (exclusive; "0" for the
    /// start of the run), oldest first; the events of a `batch` entry all carry its id, so a
    /// page may hold more than `count` events, and only an empty page means the end.
    public func runEvents(_ runID: String, after afterID: String = "0", count: Int = 1000) async throws(QueueError) -> [StreamEntry] {
        try Self.progressEvents(await readRunEntries(runID, after: afterID, count: count))
    }

    /// Up to `count` entries of the run's stream after `afterID` ("0": from the start).
    private func readRunEntries(_ runID: String, after afterID: String, count: Int) async throws(QueueError) -> [StreamEntry] {
        let start = afterID == "0" ? "-" : "(\(afterID)"
        let reply = try await send(["XRANGE", .string(keys.runEvents(runID)), .string(start), "+", "COUNT", .int(count)])
        return try StreamEntry.parseEntries(reply, operation: "XRANGE")
    }

    /// Waits up to `block` for progress events after `afterID` (`batch` entries expanded).
    public func followRunEvents(_ runID: String, after afterID: String, block: Duration) async throws(QueueError) -> [StreamEntry] {
        try Self.progressEvents(await readStream(keys.runEvents(runID), after: afterID, block: block))
    }

    /// Waits up to `block` for the run's first `run_finished` after `afterID` (an id of its
    /// progress stream; "0": any) on its outcome stream, which holds that event alone, for a
    /// minute after the run ends: a client waiting for the end (`qctl ... --wait`) reads nothing
    /// of the run's other events. Nil when none came.
    public func followRunFinished(_ runID: String, after afterID: String, block: Duration) async throws(QueueError) -> StreamEntry? {
        try await readStream(keys.runOutcome(runID), after: afterID, block: block, count: 1).first
    }

    /// Up to `count` entries of stream `key` after `afterID`, waiting up to `block` for one.
    private func readStream(_ key: String, after afterID: String, block: Duration, count: Int = 1000) async throws(QueueError) -> [StreamEntry] {
        let args: [RedisArgument] = ["XREAD", "COUNT", .int(count), "BLOCK", .int(block.milliseconds), "STREAMS", .string(key), .string(afterID)]
        let reply: RedisReply
        do {
            reply = try await redis.blocking(args, timeout: block)
        } catch {
            throw QueueError(error)
        }
        return try StreamEntry.parseStreams(reply, operation: "XREAD")
    }

    private static func progressEvents(_ entries: [StreamEntry]) throws(QueueError) -> [StreamEntry] {
        var events: [StreamEntry] = []
        events.reserveCapacity(entries.count)
        for entry in entries { events += try entry.progressEvents() }
        return events
    }

    /// Workers that sent a heartbeat within `window` of `now` (Redis's clock, `serverTime`),
    /// most recent first.
    public func workers(seenWithin window: Duration, now: Int) async throws(QueueError) -> [WorkerSnapshot] {
        let reply = try await send([
            "ZRANGEBYSCORE", .string(keys.workers), .int(now - window.milliseconds), "+inf", "WITHSCORES",
        ])
        let seen = Self.heartbeats(reply)
        let infos = try await pipeline(seen.map { ["HGET", .string(keys.worker($0.0)), "info"] })
        return zip(seen, infos).map { WorkerSnapshot(name: $0.0, lastSeen: $0.1, info: $1.string ?? "{}") }
            .sorted { $0.lastSeen > $1.lastSeen }
    }

    /// Decodes a `ZRANGEBYSCORE ... WITHSCORES` reply of the worker registry: names with the
    /// time of their last heartbeat (ms since the epoch). A score that is no such time (`inf`,
    /// `nan`, beyond `Int`: only a hand-written member has one) leaves its member out.
    package static func heartbeats(_ reply: RedisReply) -> [(name: String, lastSeen: Int)] {
        let flat = reply.array ?? []
        var seen: [(name: String, lastSeen: Int)] = []
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let name = flat[index].string, let score = flat[index + 1].string.flatMap(Double.init),
               let lastSeen = Int(exactly: score.rounded(.down)) {
                seen.append((name, lastSeen))
            }
        }
        return seen
    }

    func send(_ args: [RedisArgument]) async throws(QueueError) -> RedisReply {
        do {
            return try await redis.send(args)
        } catch {
            throw QueueError(error)
        }
    }

    func pipeline(_ commands: [[RedisArgument]]) async throws(QueueError) -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        do {
            return try await redis.pipeline(commands)
        } catch {
            throw QueueError(error)
        }
    }

    package static func hash(_ reply: RedisReply) -> [String: String] {
        let flat = reply.array ?? []
        var fields: [String: String] = [:]
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let key = flat[index].string { fields[key] = flat[index + 1].string ?? "" }
        }
        return fields
    }
}
