import Foundation

extension QueueClient {
    /// What `enqueueIdempotentSubmission` did: queued `runID`, or found the key already taken by
    /// the submission of `runID` within its retention window (nothing queued).
    public enum IdempotentSubmission: Sendable, Equatable {
        case queued(runID: String)
        case existing(runID: String)

        /// The run the key stands for.
        public var runID: String {
            switch self {
            case .queued(let runID), .existing(let runID): runID
            }
        }
    }

    /// Queues a workflow submission under idempotency key `key` (`submit_idempotent`, atomic):
    /// a second call with the same key within `retention` queues nothing and returns the first
    /// call's run id.
    public func enqueueIdempotentSubmission(
        key: String, retention: Duration, runID: String, fileName: String, workflow: String, params: [String: String],
        files: [String: String] = [:],
        traceparent: String? = nil
    ) async throws(QueueError) -> IdempotentSubmission {
        let encodedParams = (try? JSONEncoder().encode(params)).map { Array($0) } ?? Array("{}".utf8)
        let retentionMs = max(1, Int(retention.components.seconds * 1000 + retention.components.attoseconds / 1_000_000_000_000_000))
        let reply = try await run(.submitIdempotent, keys: [keys.idempotency(key), keys.submissions], [
            .string(key), .int(retentionMs), .string(runID), .string(fileName), .string(workflow), .bytes(encodedParams),
            .string(files.isEmpty ? "" : files.jsonObjectText),
            .string(traceparent ?? ""),
        ])
        guard let pair = reply.array, pair.count == 2, let created = pair[0].int, let id = pair[1].string else {
            throw unexpected(.submitIdempotent, reply)
        }
        return created == 1 ? .queued(runID: id) : .existing(runID: id)
    }
}
