import QrewQueue

/// Submits the planned runs spread evenly over a time span, so runs keep arriving while faults
/// land. Every other run is stored directly (`QueueClient.submitDirectly`, with the
/// coordinators' settings and signing key in `directIntake`) when it fits one call, so the
/// faults hit both ways of submitting; the rest go through the coordinators' intake. A
/// submission that fails (Redis down) is retried until it is stored or the deadline passes; a
/// retry after a lost reply is harmless because re-submitting a run id is idempotent.
struct RunSubmitter: Sendable {
    let queue: QueueClient
    let runs: [PlannedRun]
    let log: FaultLog
    /// How a run submitted directly is prepared: the coordinators' limits, retention and key.
    let directIntake: RunIntake

    /// Returns the ids of the runs that were submitted (all of them, unless the deadline hit).
    func run(over span: Duration, deadline: ContinuousClock.Instant, monitor: ResultMonitor) async -> [String] {
        let opened = ContinuousClock.now
        let gap = runs.count > 1 ? span / (runs.count - 1) : .zero
        var submitted: [String] = []
        var direct = 0
        for (index, run) in runs.enumerated() {
            try? await Task.sleep(until: opened + gap * index)
            let record = index % 2 == 1 ? directRecord(run) : nil
            var failures = 0
            while ContinuousClock.now < deadline, !Task.isCancelled {
                do {
                    if let record {
                        _ = try await queue.submitDirectly(record)
                    } else {
                        _ = try await queue.enqueueSubmission(
                            runID: run.runID, fileName: "\(run.runID).json", workflow: run.workflow, params: [:])
                    }
                    submitted.append(run.runID)
                    if record != nil { direct += 1 }
                    monitor.add([run.runID])
                    break
                } catch {
                    failures += 1
                    if failures == 1 { log.note("submitting \(run.runID) failed (\(error)); retrying") }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
        }
        log.note("submitted \(submitted.count) of \(runs.count) runs (\(direct) stored directly)")
        return submitted
    }

    /// The run as a direct submission stores it, or nil when it is too big for one call (or,
    /// which a generated workflow never is, not valid): that run goes through the intake.
    private func directRecord(_ run: PlannedRun) -> RunRecord? {
        guard let prepared = try? directIntake.prepare(runID: run.runID, text: run.workflow, fileName: "\(run.runID).json", params: [:]),
              prepared.record.fitsDirectSubmission
        else { return nil }
        return prepared.record.traced(.new())
    }
}
