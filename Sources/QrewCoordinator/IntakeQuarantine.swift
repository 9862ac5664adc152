import QrewQueue

/// Poison quarantine for submissions: whatever bug remains in the intake path, one submission
/// costs at most one coordinator crash, never a crash loop.
///
/// Before processing an entry the intake records it with this process's nonce
/// (`Keys.intakeAttempt`, one `SET … GET` that also returns the previous record). An entry that
/// another process recorded and that left no stored run was being processed when that process
/// died: it is poison, and the caller stores it as a rejected run and acknowledges it. An entry
/// whose run is stored (in part: a coordinator killed while storing a big run in slices) is
/// processed again, which resumes the storing. A coordinator that died in that window for
/// another reason (SIGKILL, OOM, frozen past its leader lease) is indistinguishable from a crash,
/// and its submission is rejected too: the error says so, and resubmitting it is safe.
struct IntakeQuarantine: Sendable {
    /// Different in every process, so a restart with the same coordinator id is another owner.
    let owner = "\(UInt64.random(in: 1...UInt64.max))"

    /// Records `entry` as being processed by this process; true when it must not be processed
    /// because it was being processed by a process that died before storing its run.
    func isPoisoned(_ entry: StreamEntry, runID: String, session: QueueSession) throws(QueueError) -> Bool {
        guard try session.recordIntakeAttempt(entryID: entry.id, owner: owner) != nil else { return false }
        return try !session.runExists(runID)
    }
}
