import QrewQueue
import Testing

/// The reconnect backoff stays short whatever came before, so every loop is back within about a
/// second of Redis answering, well inside a lease.
struct RedisBackoffTests {
    @Test func growsTo1SecondAndNoFurtherHoweverManyFailures() {
        var backoff = RedisBackoff()
        let delays = (0..<20).map { _ in backoff.advance() }
        #expect(delays.prefix(5) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1)])
        #expect(delays.allSatisfy { $0 <= .seconds(1) })
    }

    @Test func aSuccessStartsOverAfterEveryOutage() {
        var backoff = RedisBackoff()
        for _ in 0..<5 {
            for _ in 0..<10 { _ = backoff.advance() }
            backoff.reset()
            #expect(backoff.advance() == .milliseconds(100))
        }
    }

    @Test(arguments: [Duration.milliseconds(300), .milliseconds(1500), .seconds(3), .seconds(30)])
    func neverLongerThanAThirdOfTheLease(_ lease: Duration) {
        var backoff = RedisBackoff(limit: RedisBackoff.limit(forLease: lease))
        for _ in 0..<20 {
            let delay = backoff.advance()
            #expect(delay <= lease / 3 && delay <= .seconds(1))
        }
    }
}
