import QrewQueue

extension Leadership {
    /// Runs `step` again and again while this coordinator leads: idles while it does not, gives
    /// leadership up when a script answers FENCED, and while Redis is unreachable logs once and
    /// backs off (calling `onRedisFailure` so the step can reset what it set up). Each step
    /// counts as under way (`beginStep`), so a resigning coordinator releases the lease only
    /// after it.
    func whileLeading(
        outage: OutageTracker, onRedisFailure: () -> Void = {}, _ step: (_ fence: String) async throws -> Void
    ) async {
        while !Task.isCancelled {
            guard let fence = beginStep() else {
                try? await Task.sleep(for: .milliseconds(100))
                continue
            }
            do {
                try await step(fence)
                endStep()
                outage.succeeded()
            } catch QueueError.fenced {
                endStep()
                lost(fence)
            } catch {
                endStep()
                onRedisFailure()
                try? await Task.sleep(for: outage.failed(error))
            }
        }
    }
}
