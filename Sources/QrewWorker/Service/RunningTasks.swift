import QrewQueue
import Synchronization

/// The tasks a worker holds leases for, and its slots: shared by the claim loop (takes slots),
/// the task runners (free them), the heartbeat (renews and loses leases), the cancellation
/// listener and the drain.
///
/// A task holds its slot while it executes; once it moves on to recording its result, the slot
/// is free for the next claim (except on a single-slot worker), so claims and result calls
/// overlap instead of taking turns. Its lease is still held and heartbeated until the result is
/// recorded (or handed back), and at most `slots` tasks may be recording at once, so completions
/// waiting out a Redis outage still bound what the worker takes on.
///
/// Slots are taken atomically (``admit(_:leaseExpiresAt:)``), and the result committer, which
/// reserves slots for the successors a `complete` may lease (``reserve(upTo:)``), takes only
/// slots the claim in flight was not sized for (``promise(_:)``): the two never hold more tasks
/// than there are slots, and neither has to hand back what the other took.
final class RunningTasks: Sendable {
    /// Why the worker stops a task before it finishes. None of them records a result.
    enum StopReason: Sendable, Equatable {
        /// The run was canceled; Redis already settled the task.
        case canceled
        /// The heartbeat found the lease gone (reclaimed); another worker may run it now.
        case leaseLost
        /// The worker is draining and the drain time ran out: the task is handed back.
        case draining
    }

    private enum Phase {
        case executing
        case completing
    }

    /// One held task, changed in place under the lock. A class, so that the dictionary holds a
    /// reference: changing an entry of a struct this size went through the dictionary's `modify`
    /// accessor, which allocated a frame for it, several times per task (`make worker-cost`).
    private final class Entry {
        let claimed: ClaimedTask
        var handle: Task<Void, Never>?
        /// The task whose Swift task runs this one, when it is a successor (``handOn(from:to:)``).
        var runsAfter: TaskRef?
        var phase = Phase.executing
        var stop: StopReason?
        var leaseExpiresAt: ContinuousClock.Instant

        init(claimed: ClaimedTask, leaseExpiresAt: ContinuousClock.Instant) {
            self.claimed = claimed
            self.leaseExpiresAt = leaseExpiresAt
        }
    }

    private struct State {
        var slots: Int
        var entries: [TaskRef: Entry] = [:]
        /// Entries recording their result.
        var completing = 0
        /// Slots set aside for successors a `complete` call in flight may bring.
        var reserved = 0
        /// Slots the claim loop's claim in flight may fill (its `max`): never reserved.
        var promised = 0
        var slotWaiter: CheckedContinuation<Void, Never>?
        var emptyWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiterID = 0

        /// Slots free for a claim: executing tasks take one each, and tasks recording their
        /// result may fill at most as many slots again, except on a single-slot worker: there a
        /// task holds the slot until its result is recorded, so a dependent that result releases
        /// is claimable before the next claim, and the worker runs a DAG in strict priority order.
        var freeSlots: Int {
            let recording = slots > 1 ? slots : 0
            return max(0, min(slots - (entries.count - completing), slots + recording - entries.count) - reserved)
        }
    }

    private let state: Mutex<State>

    init(slots: Int) {
        state = Mutex(State(slots: max(1, slots)))
    }

    /// Slots in total now; `--concurrency auto` changes it (``resize(to:)``).
    var slots: Int { state.withLock { $0.slots } }

    /// Changes the slot count. Tasks over a smaller count keep running; they just are not
    /// replaced until the count of held tasks is under it. A larger count wakes the claim loop.
    func resize(to slots: Int) {
        let grew = state.withLock { state -> Bool in
            defer { state.slots = max(1, slots) }
            return slots > state.slots
        }
        if grew { wakeClaimLoop() }
    }

    /// The runs of the tasks held now, each once (where a throttle event goes).
    var runIDs: [String] {
        state.withLock { state in Array(Set(state.entries.keys.map(\.runID))).sorted() }
    }

    /// Tasks held now (running or recording their result).
    var count: Int { state.withLock { $0.entries.count } }

    /// Slots not taken.
    var freeSlots: Int { state.withLock { $0.freeSlots } }

    /// Every held lease, for the heartbeat.
    var held: [(ref: TaskRef, token: String)] {
        state.withLock { $0.entries.values.map { ($0.claimed.ref, $0.claimed.token) } }
    }

    /// Promises the claim loop's next claim up to `count` slots: successors are not given them
    /// until that claim's tasks are admitted (``admit(_:leaseExpiresAt:)``), so both never
    /// compete for the same slots.
    func promise(_ count: Int) {
        state.withLock { $0.promised = count }
    }

    /// Takes a slot for each just-claimed task, in order, as long as slots are free, and ends the
    /// claim's promise; returns how many it took (the rest must be handed back: the slots shrank
    /// meanwhile). Their leases run until `leaseExpiresAt`.
    func admit(_ claimed: [ClaimedTask], leaseExpiresAt: ContinuousClock.Instant) -> Int {
        state.withLock { state in
            state.promised = 0
            let admitted = min(claimed.count, state.freeSlots)
            for task in claimed.prefix(admitted) {
                state.entries[task.ref] = Entry(claimed: task, leaseExpiresAt: leaseExpiresAt)
            }
            return admitted
        }
    }

    /// Sets aside up to `count` free slots not promised to a claim for the successors of a
    /// `complete` call; returns how many. The call's reply gives them back
    /// (``admitReserved(_:reserved:leaseExpiresAt:)``).
    func reserve(upTo count: Int) -> Int {
        state.withLock { state in
            let reserved = max(0, min(count, state.freeSlots - state.promised))
            state.reserved += reserved
            return reserved
        }
    }

    /// Turns `reserved` slots set aside by ``reserve(upTo:)`` into the slots of the successors
    /// `claimed` (at most `reserved` of them); the slots left over are free again.
    func admitReserved(_ claimed: [ClaimedTask], reserved: Int, leaseExpiresAt: ContinuousClock.Instant) {
        state.withLock { state in
            state.reserved -= reserved
            for task in claimed.prefix(reserved) {
                state.entries[task.ref] = Entry(claimed: task, leaseExpiresAt: leaseExpiresAt)
            }
        }
        if claimed.count < reserved { wakeClaimLoop() }
    }

    /// Gives `successor` (admitted with a reserved slot) the Swift task that ran `finished`, which
    /// runs it next; cancels that task at once if a stop for the successor came first.
    func handOn(from finished: TaskRef, to successor: TaskRef) {
        let stopNow = state.withLock { state -> Task<Void, Never>? in
            guard let previous = state.entries[finished], let next = state.entries[successor] else { return nil }
            next.runsAfter = previous.runsAfter ?? finished
            next.handle = previous.handle
            return next.stop != nil ? previous.handle : nil
        }
        stopNow?.cancel()
    }

    /// Records the Swift task started for `ref` (for the successors it runs after `ref`, if `ref`
    /// is done already); cancels it at once if a stop came first.
    func attach(_ ref: TaskRef, _ handle: Task<Void, Never>) {
        let stopNow = state.withLock { state -> Bool in
            guard let held = state.entries[ref] ?? state.entries.first(where: { $0.value.runsAfter == ref })?.value else { return false }
            held.handle = handle
            return held.stop != nil
        }
        if stopNow { handle.cancel() }
    }

    /// Stops `ref` if this worker holds it: a task still executing is cancelled (its process
    /// group killed); one already recording its result is left to finish, except that a lost
    /// lease tells it to give up retrying. Returns whether the worker held the task.
    @discardableResult
    func stop(_ ref: TaskRef, _ reason: StopReason) -> Bool {
        let (held, handle) = state.withLock { state -> (Bool, Task<Void, Never>?) in
            guard let entry = state.entries[ref] else { return (false, nil) }
            switch entry.phase {
            case .executing:
                if entry.stop == nil { entry.stop = reason }
                return (true, entry.handle)
            case .completing:
                if reason == .leaseLost { entry.stop = reason }
                return (true, nil)
            }
        }
        handle?.cancel()
        return held
    }

    /// Stops every task still executing with `reason`; returns their refs.
    func stopAllExecuting(_ reason: StopReason) -> [TaskRef] {
        let refs = state.withLock { state in
            state.entries.values.filter { $0.phase == .executing }.map(\.claimed.ref)
        }
        return refs.filter { stop($0, reason) }
    }

    /// Moves `ref` from executing to recording its result, unless it was stopped meanwhile:
    /// then returns the reason, and the runner must not record a result.
    func beginCompleting(_ ref: TaskRef) -> StopReason? {
        let stop = state.withLock { state -> StopReason? in
            guard let entry = state.entries[ref] else { return .leaseLost }
            if let stop = entry.stop { return stop }
            entry.phase = .completing
            state.completing += 1
            return nil
        }
        if stop == nil { wakeClaimLoop() }
        return stop
    }

    /// Resumes the claim loop if it waits for a slot.
    private func wakeClaimLoop() {
        let waiter = state.withLock { state in
            defer { state.slotWaiter = nil }
            return state.slotWaiter
        }
        waiter?.resume()
    }

    /// Whether the lease of `ref` is known to be gone: the heartbeat said so, or it expired
    /// without being renewed (Redis unreachable for a whole lease).
    func leaseIsLost(_ ref: TaskRef) -> Bool {
        state.withLock { state in
            guard let entry = state.entries[ref] else { return true }
            return entry.stop == .leaseLost || ContinuousClock.now >= entry.leaseExpiresAt
        }
    }

    /// Extends the local lease deadline of every `ref` still held (a successful heartbeat).
    func renew(_ refs: [TaskRef], until deadline: ContinuousClock.Instant) {
        state.withLock { state in
            for ref in refs {
                state.entries[ref]?.leaseExpiresAt = deadline
            }
        }
    }

    /// Frees the slot of `ref`; wakes the claim loop and, when none is left, the drain.
    func remove(_ ref: TaskRef) {
        let (slotWaiter, emptyWaiters) = state.withLock { state in
            if state.entries.removeValue(forKey: ref)?.phase == .completing { state.completing -= 1 }
            let slot = state.slotWaiter
            state.slotWaiter = nil
            var empty: [CheckedContinuation<Void, Never>] = []
            if state.entries.isEmpty {
                empty = Array(state.emptyWaiters.values)
                state.emptyWaiters = [:]
            }
            return (slot, empty)
        }
        slotWaiter?.resume()
        for waiter in emptyWaiters { waiter.resume() }
    }

    /// Suspends until a slot is free (no polling); returns at once when cancelled.
    /// Only the claim loop waits here.
    func waitForFreeSlot() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.freeSlots > 0 || Task.isCancelled { return true }
                    state.slotWaiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.slotWaiter = nil }
                return state.slotWaiter
            }
            waiter?.resume()
        }
    }

    /// Suspends until no task is held (at once if none is), or until cancelled.
    func waitUntilEmpty() async {
        let id = state.withLock { state -> Int in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.entries.isEmpty || Task.isCancelled { return true }
                    state.emptyWaiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.emptyWaiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}
