import Foundation
import Synchronization

/// A FIFO of jobs served by dedicated threads, each owning one `RedisConnection`.
///
/// Blocking hiredis calls must never run on Swift's cooperative pool (on 2 cores it has 2
/// threads), so async callers enqueue a job here and suspend on a continuation; whichever
/// connection thread is free takes the next job.
///
/// A thread that just finished a job spins briefly (`idleSpin`) before sleeping: a caller
/// awaiting in a loop sends its next command within microseconds, and catching it without a
/// futex sleep and wake-up roughly halves the hop cost on a small machine (see the qrew-bench
/// round-trip figures). A caller that sends a command or two and stops (a `qctl` call) passes
/// zero: for it the spin is only CPU.
///
/// A caller that knows a command is coming soon (a worker that has just claimed a task will send
/// its result) can have one sleeping thread woken to spin for it ahead of time
/// (`expectJob(within:)`): the wake-up, 30–50 µs on an idle vCPU, then overlaps the caller's
/// own work instead of following it.
final class RedisConnectionLane: @unchecked Sendable {
    typealias Job = @Sendable (RedisConnection) -> Void

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false
    private var spinners = 0
    /// Threads waiting on `condition` for a job.
    private var sleepers = 0
    /// Until when a thread woken by `expectJob(within:)` spins for a job, if one was asked for.
    private var expectedBy: ContinuousClock.Instant?
    /// Queued job count, readable without the lock by spinning threads.
    private let pending = Atomic<Int>(0)
    /// How long a thread that just finished a job busy-waits for the next one.
    private let idleSpin: Duration

    /// Starts `threads` threads, each with its own lazily connecting connection.
    init(configuration: RedisConfiguration, threads: Int, name: String, idleSpin: Duration) {
        self.idleSpin = idleSpin
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in
                serve(RedisConnection(configuration: configuration))
            }
            thread.name = threads > 1 ? "\(name)-\(index)" : name
            thread.start()
        }
    }

    /// Runs `body` on a connection thread and returns its result to the suspended caller.
    func run<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T
    ) async throws(RedisError) -> T {
        let result: Result<T, RedisError> = await withUnsafeContinuation { continuation in
            run(body) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Runs `body` on a connection thread and hands its result to `completion` on that thread
    /// (at once, with a failure, when the lane is closed).
    func run<T: Sendable>(
        _ body: @escaping @Sendable (RedisConnection) throws(RedisError) -> T,
        completion: @escaping @Sendable (Result<T, RedisError>) -> Void
    ) {
        let accepted = submit { connection in
            completion(Result { () throws(RedisError) -> T in try body(connection) })
        }
        if !accepted { completion(.failure(RedisError(.connectionClosed, "the Redis client is closed"))) }
    }

    /// Stops accepting jobs; queued jobs still run, then the threads exit and free their connections.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether `close()` was called.
    var isClosed: Bool {
        condition.lock()
        defer { condition.unlock() }
        return closed
    }

    /// The longest a thread spins for an announced job (`expectJob(within:)`).
    static let longestExpectation: Duration = .milliseconds(1)

    /// Announces a job expected within `within` (at most `longestExpectation`) from now: a thread
    /// spins for it until then. One that is spinning already keeps spinning; else a sleeping
    /// thread is woken to. Nothing happens while jobs are queued (a thread is about to be at work).
    func expectJob(within: Duration) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed, head == jobs.count else { return }
        let deadline = ContinuousClock.now + min(within, Self.longestExpectation)
        if let expected = expectedBy, expected > deadline { return }
        expectedBy = deadline
        if spinners == 0, sleepers > 0 { condition.signal() }
    }

    private func submit(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        jobs.append(job)
        pending.add(1, ordering: .releasing)
        if spinners == 0 { condition.signal() }
        return true
    }

    private func serve(_ connection: RedisConnection) {
        var justWorked = false
        while let job = next(spinFirst: justWorked) {
            job(connection)
            justWorked = true
        }
        connection.close()
    }

    private func next(spinFirst: Bool) -> Job? {
        condition.lock()
        defer { condition.unlock() }
        var spinUntil: ContinuousClock.Instant? = spinFirst && idleSpin > .zero ? .now + idleSpin : nil
        while head == jobs.count {
            if closed { return nil }
            if let deadline = spinUntil {
                spinners += 1
                condition.unlock()
                spinForJob(until: deadline)
                condition.lock()
                spinners -= 1
                spinUntil = takeExpectation()
            } else {
                sleepers += 1
                condition.wait()
                sleepers -= 1
                spinUntil = takeExpectation()
            }
        }
        let job = jobs[head]
        expectedBy = nil
        head += 1
        pending.subtract(1, ordering: .relaxed)
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }

    /// The deadline of a job announced by `expectJob(within:)` that is still to come, which the
    /// caller (holding the lock) spins for, or nil.
    private func takeExpectation() -> ContinuousClock.Instant? {
        guard let expected = expectedBy else { return nil }
        expectedBy = nil
        return expected > .now ? expected : nil
    }

    /// Busy-waits until `deadline` for a job to be queued.
    private func spinForJob(until deadline: ContinuousClock.Instant) {
        while pending.load(ordering: .acquiring) == 0 && ContinuousClock.now < deadline { sched_yield() }
    }
}
