import Synchronization

/// The task whose claim path or execution runs in the current Swift task, so that a crash on
/// this thread blames that task alone instead of every task the worker holds: with several
/// slots, an innocent task claimed in the same batch as a poisoned one must not be quarantined
/// with it.
///
/// The crash signal handler reads ``current`` (a task-local: the handler runs on the crashing
/// thread, whose current Swift task is the one that crashed; reading it takes no lock and
/// allocates nothing). A task-local is inherited by tasks created inside its scope, so one may
/// outlive the attempt (a flush timer the output started): ``end()`` marks the attribution
/// stale and the handler then falls back to the worker's held tasks.
package final class CrashAttribution: Sendable {
    /// The attribution of the task running here, if any.
    @TaskLocal package static var current: CrashAttribution?

    /// The preformatted ref/token pair of the task (``CrashReportCommand/blamed(_:)``).
    package let block: CrashReportBlock
    private let active = Atomic<Bool>(true)

    package init(_ task: ClaimedTask) {
        block = CrashReportBlock.make(CrashReportCommand.blamed([(task.ref.description, task.token)]), count: 1)
    }

    deinit {
        block.deallocate()
    }

    /// Whether the attempt it names still runs.
    package var isActive: Bool { active.load(ordering: .sequentiallyConsistent) }

    /// The attempt is over: a crash from here on is no longer this task's.
    package func end() {
        active.store(false, ordering: .sequentiallyConsistent)
    }
}
