import QrewQueue

/// Submits the planned runs spread evenly over a time span, so runs keep arriving while faults
/// land. A submission that fails (Redis down) is retried until it is stored or the deadline
/// passes; a retry after a lost reply is harmless because re-submitting a run id is idempotent.
struct RunSubmitter: Sendable {
    let queue: QueueClient
    let runs: [PlannedRun]
    let log: FaultLog

    /// Returns the ids of the runs that were submitted (all of them, unless the deadline hit).
    func run(over span: Duration, deadline: ContinuousClock.Instant, monitor: ResultMonitor) async -> [String] {
        let opened = ContinuousClock.now
        let gap = runs.count > 1 ? span / (runs.count - 1) : .zero
        var submitted: [String] = []
        for (index, run) in runs.enumerated() {
            try? await Task.sleep(until: opened + gap * index)
            var failures = 0
            while ContinuousClock.now < deadline, !Task.isCancelled {
                do {
                    _ = try await queue.enqueueSubmission(runID: run.runID, fileName: "\(run.runID).json", workflow: run.workflow, params: [:])
                    submitted.append(run.runID)
                    monitor.add([run.runID])
                    break
                } catch {
                    failures += 1
                    if failures == 1 { log.note("submitting \(run.runID) failed (\(error)); retrying") }
                    try? await Task.sleep(for: .milliseconds(250))
                }
            }
        }
        log.note("submitted \(submitted.count) of \(runs.count) runs")
        return submitted
    }
}
