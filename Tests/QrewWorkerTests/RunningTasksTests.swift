import QrewQueue
import Testing
@testable import QrewWorker

/// Slot accounting: executing tasks take a slot; tasks recording their result free it for the
/// next claim (up to as many again), except on a single-slot worker; slots reserved for
/// successors are not free for claims.
struct RunningTasksTests {
    func claimed(_ id: String) -> ClaimedTask {
        ClaimedTask(ref: TaskRef(runID: "r", taskID: id), token: "1", attempt: 1, spec: "{}", outputs: [:])
    }

    func add(_ tasks: RunningTasks, _ ids: [String]) {
        #expect(tasks.admit(ids.map(claimed), leaseExpiresAt: .now + .seconds(30)) == ids.count)
    }

    @Test func aTaskRecordingItsResultFreesItsSlotForTheNextClaim() {
        let tasks = RunningTasks(slots: 2)
        add(tasks, ["a", "b"])
        #expect(tasks.freeSlots == 0)
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "a")) == nil)
        #expect(tasks.freeSlots == 1)
        add(tasks, ["c"])
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "b")) == nil)
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "c")) == nil)
        // Three recording: executing slots are free, but no more than two more may be held.
        #expect(tasks.freeSlots == 1)
        add(tasks, ["d"])
        #expect(tasks.freeSlots == 0)
        #expect(tasks.count == 4)
        #expect(Set(tasks.held.map(\.ref.taskID)) == ["a", "b", "c", "d"])
        tasks.remove(TaskRef(runID: "r", taskID: "a"))
        tasks.remove(TaskRef(runID: "r", taskID: "b"))
        #expect(tasks.freeSlots == 1)
    }

    @Test func aSingleSlotWorkerHoldsTheSlotUntilTheResultIsRecorded() {
        let tasks = RunningTasks(slots: 1)
        add(tasks, ["a"])
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "a")) == nil)
        #expect(tasks.freeSlots == 0)
        tasks.remove(TaskRef(runID: "r", taskID: "a"))
        #expect(tasks.freeSlots == 1)
    }

    @Test func aStoppedTaskDoesNotMoveToRecording() {
        let tasks = RunningTasks(slots: 2)
        add(tasks, ["a"])
        tasks.stop(TaskRef(runID: "r", taskID: "a"), .canceled)
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "a")) == .canceled)
        #expect(tasks.freeSlots == 1)
        tasks.remove(TaskRef(runID: "r", taskID: "a"))
        #expect(tasks.freeSlots == 2)
    }

    @Test func aClaimTakesOnlyTheSlotsThatAreStillFree() {
        let tasks = RunningTasks(slots: 3)
        add(tasks, ["a"])
        // A claim for two more replied with three (say the slots shrank meanwhile): one is left over.
        #expect(tasks.admit(["b", "c", "d"].map(claimed), leaseExpiresAt: .now + .seconds(30)) == 2)
        #expect(Set(tasks.held.map(\.ref.taskID)) == ["a", "b", "c"])
        #expect(tasks.freeSlots == 0)
    }

    @Test func reservedSlotsAreNotFreeForClaimsAndComeBackWhenUnused() {
        let tasks = RunningTasks(slots: 4)
        add(tasks, ["a", "b"])
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "a")) == nil)
        #expect(tasks.freeSlots == 3)
        // A complete call with three results asks for up to three successors: three slots are set aside.
        #expect(tasks.reserve(upTo: 3) == 3)
        #expect(tasks.freeSlots == 0)
        #expect(tasks.reserve(upTo: 1) == 0)
        #expect(tasks.admit([claimed("x")], leaseExpiresAt: .now + .seconds(30)) == 0)
        // One successor came: it holds a slot, the two unused ones are free again.
        tasks.admitReserved([claimed("s")], reserved: 3, leaseExpiresAt: .now + .seconds(30))
        #expect(tasks.freeSlots == 2)
        #expect(Set(tasks.held.map(\.ref.taskID)) == ["a", "b", "s"])
    }

    @Test func slotsPromisedToTheClaimInFlightAreNotReserved() {
        let tasks = RunningTasks(slots: 4)
        add(tasks, ["a"])
        // The claim loop blocks with a claim for the three free slots.
        tasks.promise(3)
        #expect(tasks.reserve(upTo: 2) == 0)
        // "a" records its result: its slot is free and not promised, so one successor may take it.
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "a")) == nil)
        #expect(tasks.reserve(upTo: 2) == 1)
        // The claim's three tasks still fit.
        #expect(tasks.admit(["b", "c", "d"].map(claimed), leaseExpiresAt: .now + .seconds(30)) == 3)
        tasks.admitReserved([claimed("s")], reserved: 1, leaseExpiresAt: .now + .seconds(30))
        #expect(tasks.count == 5)
        #expect(tasks.freeSlots == 0)
    }

    @Test func aSuccessorRunsInTheSwiftTaskOfTheTaskItFollowsAndIsStoppedThroughIt() async {
        let tasks = RunningTasks(slots: 2)
        add(tasks, ["a"])
        let handle = Task<Void, Never> { try? await Task.sleep(for: .seconds(30)) }
        tasks.attach(TaskRef(runID: "r", taskID: "a"), handle)
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "a")) == nil)
        #expect(tasks.reserve(upTo: 1) == 1)
        tasks.admitReserved([claimed("s")], reserved: 1, leaseExpiresAt: .now + .seconds(30))
        tasks.handOn(from: TaskRef(runID: "r", taskID: "a"), to: TaskRef(runID: "r", taskID: "s"))
        tasks.remove(TaskRef(runID: "r", taskID: "a"))
        #expect(!handle.isCancelled)
        // Canceling the successor's run stops the Swift task that runs it.
        #expect(tasks.stop(TaskRef(runID: "r", taskID: "s"), .canceled))
        #expect(handle.isCancelled)
    }

    @Test func aTaskThatEndedBeforeItsSwiftTaskWasAttachedPassesTheHandleToItsSuccessor() {
        let tasks = RunningTasks(slots: 2)
        add(tasks, ["a"])
        #expect(tasks.beginCompleting(TaskRef(runID: "r", taskID: "a")) == nil)
        #expect(tasks.reserve(upTo: 1) == 1)
        tasks.admitReserved([claimed("s")], reserved: 1, leaseExpiresAt: .now + .seconds(30))
        tasks.handOn(from: TaskRef(runID: "r", taskID: "a"), to: TaskRef(runID: "r", taskID: "s"))
        tasks.remove(TaskRef(runID: "r", taskID: "a"))
        let handle = Task<Void, Never> { try? await Task.sleep(for: .seconds(30)) }
        tasks.attach(TaskRef(runID: "r", taskID: "a"), handle)
        #expect(tasks.stop(TaskRef(runID: "r", taskID: "s"), .canceled))
        #expect(handle.isCancelled)
    }
}
