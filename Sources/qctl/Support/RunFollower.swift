import QrewCore
import QrewQueue

/// Replays a run's progress stream from the start, then follows it live until `run_finished`:
/// joining halfway still shows the whole run, and nothing is shown twice.
///
/// Follows with `XREAD BLOCK`, which returns the moment an event lands, so the live view needs
/// no pub/sub connection. Cancellation is noticed between blocks (at most `block` later).
struct RunFollower {
    let queue: QueueClient
    let runID: String
    /// Stream id to start after: "0" replays the whole run.
    var after = "0"
    var block: Duration = .seconds(1)
    /// How often the live part prices the run's remaining critical path (`Update.eta`); nil: never.
    var estimateEvery: Duration?
    static let pageSize = 1000

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
        var last = after
        var nextEstimate = ContinuousClock.now
        while true {
            let page = try await queue.runEvents(runID, after: last, count: Self.pageSize)
            for entry in page {
                last = entry.id
                handle(.event(entry))
                if entry.fields["type"] == "run_finished" { return entry.fields["state"] ?? "failed" }
            }
            if page.isEmpty { break }
        }
        while true {
            try Task.checkCancellation()
            let entries = try await queue.followRunEvents(runID, after: last, block: block)
            for entry in entries {
                last = entry.id
                handle(.event(entry))
                if entry.fields["type"] == "run_finished" { return entry.fields["state"] ?? "failed" }
            }
            if let every = estimateEvery, ContinuousClock.now >= nextEstimate {
                nextEstimate = ContinuousClock.now + every
                if let records = try await queue.runRecords(runID, withEvents: false), let eta = RunStatistics(records).eta {
                    handle(.eta(eta, now: records.now))
                }
            }
            if entries.isEmpty {
                // The stream is capped and expires with the run: if the run ended without a
                // visible run_finished, or vanished, stop rather than wait forever.
                guard let fields = try await queue.runFields(runID) else {
                    throw CommandFailure("run \(runID) disappeared from Redis (expired or deleted) while following it")
                }
                if fields["finishedAt"] != nil, try await queue.runEvents(runID, after: last, count: 1).isEmpty {
                    return fields["state"] ?? "failed"
                }
            }
        }
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
