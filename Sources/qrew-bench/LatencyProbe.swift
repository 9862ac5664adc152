import Foundation
import QrewQueue
import QrewRedis

/// Times single-task runs one after another as a plain synchronous client of the protocol
/// does (a redis-py script, the peers' own probes): on one thread, it submits on one connection
/// (an `XADD` for a coordinator, or the run itself, `Submission`) and reads the run's live
/// channel on another, taking both instants on that thread. `RunFollower` goes through
/// `QueueClient`'s connection threads and an `AsyncStream`, whose thread hops (tens of µs each
/// on this 2-core VM) landed in the figure.
final class LatencyProbe: @unchecked Sendable {
    struct Failed: Error, CustomStringConvertible {
        let description: String
    }

    /// How the probe submits each run.
    enum Submission {
        /// An `XADD` to `P:submissions`, which a coordinator's intake stores.
        case throughCoordinator
        /// Prepared on the probe's thread (`intake`: the coordinator's settings and signing key)
        /// and stored with `submit_run` on its own connection (`QueueSession.submitDirectly`).
        case direct(RunIntake)
    }

    private let configuration: RedisConfiguration
    private let queue: QueueClient
    private let submission: Submission

    init(configuration: RedisConfiguration, queue: QueueClient, submission: Submission) {
        var configuration = configuration
        configuration.commandTimeout = .seconds(30)
        self.configuration = configuration
        self.queue = queue
        self.submission = submission
    }

    /// Submits `workflow` as runs `<prefix>0` … and returns each run's time from the submission
    /// to its first `task_started` and to `run_finished`, on a thread of its own.
    func time(runs: Int, prefix: String, workflow: String) async throws -> [RunFollower.Timing] {
        let result: Result<[RunFollower.Timing], Error> = await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                continuation.resume(returning: Result { try measure(runs: runs, prefix: prefix, workflow: workflow) })
            }
            thread.name = "qrew-bench latency probe"
            thread.start()
        }
        return try result.get()
    }

    private func measure(runs: Int, prefix: String, workflow: String) throws -> [RunFollower.Timing] {
        let subscriber = RedisConnection(configuration: configuration)
        let submitter = RedisConnection(configuration: configuration)
        defer {
            subscriber.close()
            submitter.close()
        }
        try submitter.connect()
        let clock = ContinuousClock()
        var timings: [RunFollower.Timing] = []
        for index in 0..<runs {
            let runID = "\(prefix)\(index)"
            // Scripts publish only to channels with a subscriber (`PUBSUB NUMSUB`; a pattern does
            // not count), so each run's channel is subscribed before its submission, untimed.
            let channelName = queue.keys.runLive(runID)
            let channel = Array(channelName.utf8)
            var confirmation = try subscriber.send(["SUBSCRIBE", .string(channelName)])
            while confirmation.array?.first?.string != "subscribe" || confirmation.array?[1].bytes != channel {
                confirmation = try subscriber.readPushed()
            }
            let submitted = clock.now
            try submit(runID: runID, workflow: workflow, on: submitter)
            var firstStart: Duration?
            while true {
                let reply = try subscriber.readPushed()
                let now = clock.now
                // ["message", channel, payload]
                guard let parts = reply.array, parts.count == 3, parts[1].bytes == channel, let payload = parts[2].bytes else { continue }
                if firstStart == nil, RunFollower.contains(payload, #""task_started""#) { firstStart = submitted.duration(to: now) }
                guard RunFollower.contains(payload, #""run_finished""#) else { continue }
                let text = String(decoding: payload, as: UTF8.self)
                let events = try StreamEntry.progressEvents(liveMessage: text).map(\.fields)
                guard let finished = events.first(where: { $0["type"] == "run_finished" }) else { continue }
                guard finished["state"] == "succeeded" else { throw Failed(description: "run \(runID) did not succeed: \(text)") }
                timings.append(RunFollower.Timing(firstStart: firstStart, done: submitted.duration(to: now)))
                break
            }
        }
        return timings
    }

    private func submit(runID: String, workflow: String, on connection: RedisConnection) throws {
        switch submission {
        case .throughCoordinator:
            let command = queue.submissionCommand(runID: runID, fileName: "\(runID).yaml", workflow: workflow, params: [:])
            guard try connection.send(command).string != nil else { throw Failed(description: "XADD of \(runID) failed") }
        case .direct(let intake):
            let prepared = try intake.prepare(runID: runID, text: workflow, fileName: "\(runID).yaml", params: [:])
            let stored = try queue.session(on: connection).submitDirectly(prepared.record.traced(.new()))
            guard stored.created else { throw Failed(description: "run \(runID) was already stored") }
        }
    }
}
