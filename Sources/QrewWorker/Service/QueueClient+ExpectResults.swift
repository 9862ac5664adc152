import QrewQueue

extension QueueClient {
    /// How long after tasks start a connection thread waits, spinning, for their first result:
    /// a no-op task's result follows its claim reply by ~0.1 ms on a small machine.
    static let resultsExpectedWithin: Duration = .microseconds(250)

    /// Readies a connection thread for the results of tasks just started (claimed, or leased as
    /// successors), so a short task's `complete` does not wait for that thread to wake up
    /// (`RedisClient.expectCommand(within:)`; nothing happens when one is busy or spinning).
    func expectResults() {
        redis.expectCommand(within: Self.resultsExpectedWithin)
    }
}
