import QrewRedis

/// A page of runs, newest first, and where the next page starts.
public struct RunPage: Sendable {
    /// Run ids with their hash fields.
    public let runs: [(id: String, fields: [String: String])]
    /// Pass as `after` for the next page; nil when no run is left.
    public let next: RunPageCursor?
}

/// A position in the run index (`P:runs`, ordered by creation time then id, newest first):
/// stable while runs are added, unlike an offset. Its text form is `<createdMs>-<runId>`.
public struct RunPageCursor: Sendable, Hashable {
    public let createdAt: Int
    public let runID: String

    public init(createdAt: Int, runID: String) {
        (self.createdAt, self.runID) = (createdAt, runID)
    }

    /// Parses `<createdMs>-<runId>`; nil for anything else.
    public init?(_ text: String) {
        guard let dash = text.firstIndex(of: "-"), let created = Int(text[..<dash]), created >= 0 else { return nil }
        let id = String(text[text.index(after: dash)...])
        guard !id.isEmpty else { return nil }
        (createdAt, runID) = (created, id)
    }

    public var text: String { "\(createdAt)-\(runID)" }
}

extension QueueClient {
    /// Up to `limit` runs older than `after` (from the newest without it), newest first, whose
    /// `state` is one of `states` (any state when empty). Reads the index in slices of 200 and
    /// examines at most `scanBudget` runs per call, so a filter matching few runs returns a
    /// short page with a cursor rather than walking a huge index in one request.
    public func runPage(
        after cursor: RunPageCursor?, limit: Int, states: Set<String> = [], scanBudget: Int = 5000
    ) async throws(QueueError) -> RunPage {
        var start = 0
        if let cursor {
            if let rank = try await send(["ZREVRANK", .string(keys.runs), .string(cursor.runID)]).int {
                start = rank + 1
            } else {
                // The cursor's run was pruned since: start below its creation time.
                start = try await send(["ZCOUNT", .string(keys.runs), .int(cursor.createdAt), "+inf"]).int ?? 0
            }
        }
        let sliceSize = 200
        var found: [(id: String, fields: [String: String])] = []
        var examined = 0
        while true {
            let flat = try await send(["ZREVRANGE", .string(keys.runs), .int(start), .int(start + sliceSize - 1), "WITHSCORES"]).array ?? []
            var slice: [(id: String, created: Int)] = []
            for index in stride(from: 0, to: flat.count - 1, by: 2) {
                guard let id = flat[index].string else { continue }
                // A score that is no time in ms (`inf`, `nan`, beyond `Int`: only a hand-written member has one) reads as 0.
                let score = flat[index + 1].string.flatMap(Double.init)
                slice.append((id, score.flatMap { Int(exactly: $0.rounded(.down)) } ?? 0))
            }
            if slice.isEmpty { return RunPage(runs: found, next: nil) }
            let replies = try await pipeline(slice.map { ["HGETALL", .string(keys.run($0.id))] })
            for ((id, created), fields) in zip(slice, replies.map(Self.hash)) {
                examined += 1
                let position = RunPageCursor(createdAt: created, runID: id)
                if !fields.isEmpty, states.isEmpty || states.contains(fields["state"] ?? "") {
                    found.append((id, fields))
                    if found.count == limit { return RunPage(runs: found, next: position) }
                }
                if examined >= scanBudget { return RunPage(runs: found, next: position) }
            }
            if slice.count < sliceSize { return RunPage(runs: found, next: nil) }
            start += slice.count
        }
    }
}
