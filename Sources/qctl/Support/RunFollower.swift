import QrewCore
import QrewQueue

/// Replays a run's progress stream from the start, then follows it live until `run_finished`:
/// joining halfway still shows the whole run, and nothing is shown twice. The child runs its
/// workflow steps start (and theirs) are followed too: their events come with field `child` =
/// the step's task id (`deploy`, `deploy › inner` for a grandchild) and their `task` prefixed
/// with it (`deploy › push`).
///
/// Follows with `XREAD BLOCK`, which returns the moment an event lands, so the live view needs
/// no pub/sub connection. Cancellation is noticed between blocks (at most `block` later). Child
/// runs are read after each block, which is at most `childPoll` while one is running.
struct RunFollower {
    let queue: QueueClient
    let runID: String
    /// Stream id to start after: "0" replays the whole run.
    var after = "0"
    var block: Duration = .seconds(1)
    /// How often the live part prices the run's remaining critical path (`Update.eta`); nil: never.
    var estimateEvery: Duration?
    /// Only the outcome is wanted (`--wait`): just `run_finished` is read, from the run's outcome
    /// stream, and handed on; the task events are not read and child runs not followed.
    var outcomeOnly = false
    static let pageSize = 1000
    static let childPoll = Duration.milliseconds(200)

    /// A child run being followed: its id, the label its events carry, the last entry read.
    private struct ChildStream {
        let runID: String
        let label: String
        var last = "0"
        var finished = false
    }

    /// What the follower reports: an event of the run's stream, or a fresh ETA.
    enum Update {
        case event(StreamEntry)
        /// The run's ETA (docs/operations.md, *Run statistics*) at `now` (Redis's clock, ms).
        case eta(RunStatistics.ETA, now: Int)
    }

    /// Calls `handle` for each event in order; returns the `run_finished` event's `state`.
    func follow(_ handle: (StreamEntry) -> Void) async throws -> String {
        try await follow(updates: { update in if case .event(let entry) = update { handle(entry) } })
    }

    /// Calls `handle` for each event in order and, with `estimateEvery`, for each new ETA while
    /// the run goes on; returns the `run_finished` event's `state`.
    func follow(updates handle: (Update) -> Void) async throws -> String {
        if outcomeOnly { return try await outcome(handle) }
        var last = after
        var nextEstimate = ContinuousClock.now
        var children: [ChildStream] = []
        while true {
            let page = try await queue.runEvents(runID, after: last, count: Self.pageSize)
            for entry in page {
                last = entry.id
                try await deliver(entry, children: &children) { handle(.event($0)) }
                if entry.fields["type"] == "run_finished" { return entry.fields["state"] ?? "failed" }
            }
            if page.isEmpty { break }
        }
        while true {
            try Task.checkCancellation()
            let wait = children.isEmpty ? block : min(block, Self.childPoll)
            let entries = try await queue.followRunEvents(runID, after: last, block: wait)
            for entry in entries {
                last = entry.id
                try await deliver(entry, children: &children) { handle(.event($0)) }
                if entry.fields["type"] == "run_finished" { return entry.fields["state"] ?? "failed" }
            }
            try await readChildren(&children) { handle(.event($0)) }
            if let every = estimateEvery, ContinuousClock.now >= nextEstimate {
                nextEstimate = ContinuousClock.now + every
                if let records = try await queue.runRecords(runID, withEvents: false), let eta = RunStatistics(records).eta {
                    handle(.eta(eta, now: records.now))
                }
            }
            // Ended without a visible `run_finished` after `last`: the stream is capped and
            // expires with the run.
            if entries.isEmpty, let state = try await finishedState(), try await queue.runEvents(runID, after: last, count: 1).isEmpty {
                return state
            }
        }
    }

    /// `follow` for `outcomeOnly`: the run's end from its hash when it has ended, else waits on
    /// its outcome stream, which holds nothing but `run_finished`, so a 100,000-task run costs
    /// the wait one entry, not its events.
    private func outcome(_ handle: (Update) -> Void) async throws -> String {
        while true {
            try Task.checkCancellation()
            if let state = try await finishedState() { return state }
            if let finished = try await queue.followRunFinished(runID, after: after, block: block) {
                handle(.event(finished))
                return finished.fields["state"] ?? "failed"
            }
        }
    }

    /// The run's state when its hash says it ended, nil while it goes on; throws when the run
    /// vanished, rather than waiting forever.
    private func finishedState() async throws -> String? {
        guard let fields = try await queue.runFields(runID) else {
            throw CommandFailure("run \(runID) disappeared from Redis (expired or deleted) while following it")
        }
        guard fields["finishedAt"] != nil else { return nil }
        return fields["state"] ?? "failed"
    }

    /// Hands one event of the followed run to `handle`: a step that starts a child run adds it
    /// to `children`; a step that ends shows what its child run did first.
    private func deliver(_ entry: StreamEntry, children: inout [ChildStream], _ handle: (StreamEntry) -> Void) async throws {
        let task = entry.fields["task"] ?? ""
        if entry.fields["type"] == "task_finished", children.contains(where: { $0.label == task }) {
            // Its child run ended: show the rest of it (and its children's) before the step's end.
            try await readChildren(&children, handle)
            children.removeAll { $0.label == task || $0.label.hasPrefix(task + " › ") }
        }
        handle(entry)
        if entry.fields["type"] == "task_child_started", let child = entry.fields["childRun"] {
            children.append(ChildStream(runID: child, label: task))
        }
    }

    /// Reads what the child runs wrote since the last read (and the grandchildren they start),
    /// passing each event on labeled; drops the children that finished.
    private func readChildren(_ children: inout [ChildStream], _ handle: (StreamEntry) -> Void) async throws {
        var index = 0
        while index < children.count {
            let page = try await queue.runEvents(children[index].runID, after: children[index].last, count: Self.pageSize)
            let label = children[index].label
            for entry in page {
                children[index].last = entry.id
                var fields = entry.fields
                fields["child"] = label
                if let task = fields["task"] { fields["task"] = "\(label) › \(task)" }
                if fields["type"] == "task_child_started", let grandchild = fields["childRun"] {
                    children.append(ChildStream(runID: grandchild, label: fields["task"] ?? label))
                }
                if fields["type"] == "run_finished" { children[index].finished = true }
                handle(StreamEntry(id: entry.id, fields: fields))
            }
            if page.count == Self.pageSize, !children[index].finished { continue }
            index += 1
        }
        children.removeAll { $0.finished }
    }

    /// Every event of the run's stream as it is now, oldest first.
    func replay() async throws -> [StreamEntry] {
        var all: [StreamEntry] = []
        var last = "0"
        while true {
            let page = try await queue.runEvents(runID, after: last, count: Self.pageSize)
            guard let tail = page.last else { return all }
            all += page
            last = tail.id
        }
    }
}
