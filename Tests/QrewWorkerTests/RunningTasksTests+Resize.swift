import QrewQueue
import Testing
@testable import QrewWorker

/// `--concurrency auto` resizing the slots: running tasks stay, they are just not replaced.
struct RunningTasksResizeTests {
    func add(_ tasks: RunningTasks, _ ids: [String], run: String = "r") {
        let claimed = ids.map { ClaimedTask(ref: TaskRef(runID: run, taskID: $0), token: "1", attempt: 1, spec: "{}", outputs: [:]) }
        #expect(tasks.admit(claimed, leaseExpiresAt: .now + .seconds(30)) == ids.count)
    }

    @Test func shrinkingKeepsRunningTasksAndFreesNoSlotUntilUnderTheNewCount() {
        let tasks = RunningTasks(slots: 4)
        add(tasks, ["a", "b", "c"])
        #expect(tasks.freeSlots == 1)
        tasks.resize(to: 2)
        #expect(tasks.slots == 2)
        #expect(tasks.count == 3)
        #expect(tasks.freeSlots == 0)
        tasks.remove(TaskRef(runID: "r", taskID: "a"))
        #expect(tasks.freeSlots == 0)
        tasks.remove(TaskRef(runID: "r", taskID: "b"))
        #expect(tasks.freeSlots == 1)
        tasks.resize(to: 0)
        #expect(tasks.slots == 1)
    }

    @Test func growingWakesAClaimLoopWaitingForASlot() async {
        let tasks = RunningTasks(slots: 1)
        add(tasks, ["a"])
        let waiter = Task { await tasks.waitForFreeSlot() }
        try? await Task.sleep(for: .milliseconds(50))
        tasks.resize(to: 2)
        let woke: Void? = await within(.seconds(5)) { await waiter.value }
        #expect(woke != nil, "growing the slots should wake the claim loop")
        #expect(tasks.freeSlots == 1)
    }

    @Test func runIDsListsEachRunOnce() {
        let tasks = RunningTasks(slots: 4)
        add(tasks, ["a", "b"], run: "r2")
        add(tasks, ["c"], run: "r1")
        #expect(tasks.runIDs == ["r1", "r2"])
    }
}
