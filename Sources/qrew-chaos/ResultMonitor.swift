import QrewQueue
import Synchronization

/// Watches the runs while faults land: every poll it reads each unfinished run's snapshot and
/// remembers the first final result it sees of every task (state, attempt, output, finishedAt).
/// A later read that shows a different result for a task that was already final is a changed
/// result (counted as doubled): exactly-once recording promises a final result never moves.
final class ResultMonitor: Sendable {
    struct Change: Sendable {
        let runID: String
        let taskID: String
        let before: String
        let after: String
        let wallMilliseconds: Int
    }

    private struct State {
        var submitted: [String] = []
        var finished: [String: String] = [:]
        var results: [String: [String: String]] = [:]
        var changes: [Change] = []
    }

    static let finalStates: Set<String> = ["succeeded", "failed", "timed_out", "lost", "skipped", "canceled"]

    private let queue: QueueClient
    private let state = Mutex(State())

    init(queue: QueueClient) {
        self.queue = queue
    }

    func add(_ runIDs: [String]) {
        state.withLock { state in state.submitted += runIDs.filter { !state.submitted.contains($0) } }
    }

    /// Run id → final state of the runs seen finished so far.
    var finished: [String: String] { state.withLock { $0.finished } }
    var changes: [Change] { state.withLock { $0.changes } }
    var unfinished: [String] { state.withLock { state in state.submitted.filter { state.finished[$0] == nil } } }

    /// Polls until cancelled.
    func run(every interval: Duration = .seconds(1)) async {
        while !Task.isCancelled {
            for runID in unfinished where !Task.isCancelled {
                guard let snapshot = try? await queue.runSnapshot(runID) else { continue }
                observe(snapshot)
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// Records a snapshot's final results, and the run's end once it finished.
    func observe(_ snapshot: RunSnapshot) {
        state.withLock { state in
            var known = state.results[snapshot.id] ?? [:]
            for task in snapshot.tasks {
                guard let id = task["id"], let taskState = task["state"], Self.finalStates.contains(taskState) else { continue }
                let result = "state=\(taskState) attempt=\(task["attempt"] ?? "-") output=\(task["output"] ?? "-") finishedAt=\(task["finishedAt"] ?? "-")"
                if let before = known[id] {
                    if before != result {
                        state.changes.append(Change(runID: snapshot.id, taskID: id, before: before, after: result, wallMilliseconds: ChaosClock.wallMilliseconds))
                        known[id] = result
                    }
                } else {
                    known[id] = result
                }
            }
            state.results[snapshot.id] = known
            if snapshot.isFinished, state.finished[snapshot.id] == nil { state.finished[snapshot.id] = snapshot.state }
        }
    }
}
