import QrewQueue

/// Poison quarantine for submissions: whatever bug remains in the intake path, one submission
/// costs at most one coordinator crash, never a crash loop.
///
/// While the intake processes an entry, the coordinator's crash reporter blames it: should the
/// process die of a fatal signal of its own (a trap, a bad access, an abort), its signal handler
/// records the entry in `Keys.intakeCrashes` (`record_intake_crash`) before the process dies. The
/// next leader reads the unacknowledged entry again, finds the record and stores the run as
/// rejected instead of processing it. A coordinator SIGKILLed, OOM-killed or frozen while
/// processing records nothing, so its submission is processed again as before (a big run stored
/// in part is resumed): only a crash of its own is evidence against a submission.
struct IntakeQuarantine: Sendable {
    /// Reports this process's crash, blaming the entry being processed; nil: crashes are not
    /// reported (an embedded coordinator that did not opt in).
    let reporter: CrashReporter?
    /// Different in every process (the detail sent with a blamed entry).
    let nonce = "\(UInt64.random(in: 1...UInt64.max))"

    /// What a crash recorded against `entry`, when the entry was delivered before (`recovered`)
    /// and one did; nil for an entry to process.
    func crash(recordedFor entry: StreamEntry, recovered: Bool, session: QueueSession) throws(QueueError) -> String? {
        guard recovered else { return nil }
        return try session.intakeCrash(entryID: entry.id)
    }

    /// Runs `body` (the processing of `entry`) with the entry blamed for a crash.
    func processing<T>(_ entry: StreamEntry, _ body: () throws(QueueError) -> T) throws(QueueError) -> T {
        reporter?.blame(entry.id, nonce)
        defer { reporter?.release(item: entry.id) }
        return try body()
    }
}
