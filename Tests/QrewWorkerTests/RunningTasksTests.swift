import QrewQueue
import Testing
@testable import QrewWorker

/// Slot accounting: executing tasks take a slot; tasks recording their result free it for the
/// next claim (up to as many again), except on a single-slot worker.
struct RunningTasksTests {
    func claimed(_ id: String) -> ClaimedTask {
        ClaimedTask(ref: TaskRef(runID: "r", taskID: id), token: "1", attempt: 1, spec: "{}", outputs: [:])
    }

    func add(_ tasks: RunningTasks, _ ids: [String]) {
        for id in ids { tasks.add(claimed(id), leaseExpiresAt: .now + .seconds(30)) }
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
}
