import QrewQueue

extension QueueClient {
    /// How long after tasks start a connection thread waits, spinning, for their first result:
    /// a no-op task's result follows its claim reply by ~0.1 ms on a small machine.
    static let resultsExpectedWithin: Duration = .microseconds(250)

    /// Readies a connection thread for the results of `started` tasks just started (claimed, or
    /// leased as successors) when they are all the worker runs besides `finishing` tasks whose
    /// results are in: a short task's `complete` is then the next command and does not wait for
    /// that thread to wake up (`RedisClient.expectCommand(within:)`). A busy worker's connection
    /// threads are at work anyway, and a spin would only take CPU from its tasks.
    func expectResults(started: Int, running: Int, finishing: Int = 0) {
        guard started > 0, running <= started + finishing else { return }
        redis.expectCommand(within: Self.resultsExpectedWithin)
    }
}
