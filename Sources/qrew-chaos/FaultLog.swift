import Foundation
import Synchronization

/// The faults injected so far: counts per kind and a timeline (wall ms) that the report prints
/// next to each violation, so a violation can be matched to the fault that caused it.
final class FaultLog: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case workerKill = "worker_kills"
        case coordinatorKill = "coordinator_kills"
        case redisRestart = "redis_restarts"
        case workerStop = "worker_stops"
        case coordinatorStop = "coordinator_stops"
        case workerPartition = "worker_partitions"
    }

    struct Entry: Sendable {
        let wallMilliseconds: Int
        let text: String
    }

    private struct State {
        var counts: [Kind: Int] = [:]
        var entries: [Entry] = []
        var failures: [Entry] = []
    }

    private let clock: ChaosClock
    private let state = Mutex(State())

    init(clock: ChaosClock) {
        self.clock = clock
    }

    /// Counts one fault of `kind` and prints it on the timeline.
    func injected(_ kind: Kind, _ text: String) {
        state.withLock { $0.counts[kind, default: 0] += 1 }
        note(text)
    }

    /// Prints a timeline line (a recovery step, a phase) without counting a fault.
    func note(_ text: String) {
        let line = "\(clock.stamp) \(text)"
        state.withLock { $0.entries.append(Entry(wallMilliseconds: ChaosClock.wallMilliseconds, text: line)) }
        say(line)
    }

    /// Prints a timeline line and keeps it as a failure of the suite: a process that did not
    /// recover from a fault (the report lists it under `hung`).
    func failure(_ text: String) {
        state.withLock { $0.failures.append(Entry(wallMilliseconds: ChaosClock.wallMilliseconds, text: text)) }
        note(text)
    }

    /// The failures recorded so far.
    var failures: [Entry] { state.withLock { $0.failures } }

    func count(_ kind: Kind) -> Int { state.withLock { $0.counts[kind] ?? 0 } }

    /// Timeline entries within `window` ms of `wall`: what was happening around a violation.
    func around(_ wall: Int, window: Int = 5_000) -> [String] {
        state.withLock { $0.entries.filter { abs($0.wallMilliseconds - wall) <= window }.map(\.text) }
    }

    /// Every timeline line so far, in order.
    var timeline: [String] { state.withLock { $0.entries.map(\.text) } }
}
