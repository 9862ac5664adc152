import Foundation

/// Runs a one-shot command's async work on the thread that calls `run` (qctl's main thread), so
/// the call starts no thread of Swift's concurrency pool, nor dispatch's threads behind it: a
/// `qctl status` then starts one thread in all, its Redis connection's
/// (docs/benchmarks.md, "Front door: qctl one-shot commands").
///
/// Only for work that never blocks its thread: `run`'s thread is its only one. Waiting for Redis
/// is fine: the reply arrives on the client's connection thread, which resumes the waiting task
/// here. Unchecked Sendable: `jobs` and `finished` are guarded by `condition`.
final class CallingThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    private init() {}

    /// Runs `body` to completion on the calling thread; returns or rethrows its outcome.
    static func run(_ body: @escaping @Sendable () async throws -> Void) throws {
        let executor = CallingThreadExecutor()
        let outcome = Outcome()
        Task(executorPreference: executor) {
            do {
                try await body()
            } catch {
                outcome.error = error
            }
            executor.finish()
        }
        executor.runJobs()
        if let error = outcome.error { throw error }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    /// Runs enqueued jobs until the body has finished and no job is left.
    private func runJobs() {
        condition.lock()
        while true {
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty { break }
            let ready = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in ready { job.runSynchronously(on: asUnownedTaskExecutor()) }
            condition.lock()
        }
        condition.unlock()
    }

    /// The body's error, written by the task before `finish` and read after `runJobs` returns
    /// (ordered by the condition's lock).
    private final class Outcome: @unchecked Sendable {
        var error: (any Error)?
    }
}
