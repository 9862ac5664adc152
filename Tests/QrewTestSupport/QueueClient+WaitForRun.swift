import QrewQueue

/// A run did not reach the expected state in time.
public struct RunWaitTimedOut: Error, CustomStringConvertible {
    public let description: String
}

extension QueueClient {
    /// Polls until the run exists and satisfies `condition`; throws after `timeout`, with the
    /// run's last known state in the message.
    public func waitForRun(
        _ runID: String, timeout: Duration = .seconds(10), until condition: (RunSnapshot) -> Bool = { _ in true }
    ) async throws -> RunSnapshot {
        let deadline = ContinuousClock.now + timeout
        var last: RunSnapshot?
        while ContinuousClock.now < deadline {
            last = try await runSnapshot(runID)
            if let snapshot = last, condition(snapshot) { return snapshot }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw RunWaitTimedOut(description: "run \(runID) did not reach the expected state within \(timeout); last state: \(last?.state ?? "absent")")
    }
}
