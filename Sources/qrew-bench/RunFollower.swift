import QrewQueue
import QrewRedis

/// Submits a workflow and times it as a subscribed client sees it: from the submission to the
/// first `task_started` and to `run_finished` on the run's live channel.
final class RunFollower: Sendable {
    struct Timing {
        let firstStart: Duration?
        let done: Duration
    }

    struct RunFailed: Error, CustomStringConvertible {
        let description: String
    }

    private let subscriber: RedisSubscriber
    private let keys: Keys

    init(configuration: RedisConfiguration, keys: Keys) throws {
        subscriber = try RedisSubscriber(configuration: configuration)
        self.keys = keys
    }

    func close() {
        subscriber.close()
    }

    func time(_ queue: QueueClient, runID: String, workflow: String, timeout: Duration = .seconds(300)) async throws -> Timing {
        let channel = keys.runLive(runID)
        try await subscriber.subscribe([channel])
        do {
            let timing = try await follow(queue, runID: runID, channel: channel, workflow: workflow, timeout: timeout)
            try await subscriber.unsubscribe([channel])
            return timing
        } catch {
            try? await subscriber.unsubscribe([channel])
            throw error
        }
    }

    private func follow(
        _ queue: QueueClient, runID: String, channel: String, workflow: String, timeout: Duration
    ) async throws -> Timing {
        let clock = ContinuousClock()
        let submitted = clock.now
        _ = try await queue.enqueueSubmission(runID: runID, fileName: "\(runID).yaml", workflow: workflow, params: [:])
        var firstStart: Duration?
        for await message in subscriber.messages where message.channel == channel {
            let now = clock.now
            if submitted.duration(to: now) > timeout { break }
            // Each message holds the events one script call emitted. Only the first start and the
            // end matter here, so the client decodes just the messages that can hold them: it
            // must not compete for the cores with what it measures.
            let startsFirst = firstStart == nil && Self.contains(message.payload, #""task_started""#)
            guard startsFirst || Self.contains(message.payload, #""run_finished""#) else { continue }
            let events = try StreamEntry.progressEvents(liveMessage: message.text).map(\.fields)
            if startsFirst, events.contains(where: { $0["type"] == "task_started" }) {
                firstStart = submitted.duration(to: now)
            }
            if let finished = events.first(where: { $0["type"] == "run_finished" }) {
                guard finished["state"] == "succeeded" else {
                    throw RunFailed(description: "benchmark run \(runID) did not succeed: \(message.text)")
                }
                return Timing(firstStart: firstStart, done: submitted.duration(to: now))
            }
        }
        throw RunFailed(description: "benchmark run \(runID) did not finish within \(timeout)")
    }

    /// Whether `needle` occurs in `bytes`, compared byte by byte: a live message of a big batch is
    /// ~10 KB, and Foundation's `String.contains` searched it as UTF-16 at a cost the measured
    /// cluster felt.
    static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, bytes.count >= pattern.count else { return false }
        var index = 0
        let last = bytes.count - pattern.count
        while index <= last {
            if bytes[index] == first, bytes[index..<index + pattern.count].elementsEqual(pattern) { return true }
            index += 1
        }
        return false
    }
}
