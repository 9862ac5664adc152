import Foundation
import QrewCore
import QrewRedis

/// Keys of the request path (docs/security.md, *The request path*).
extension Keys {
    /// Stream of `RunRequest`s from clients that may not write task hashes and queues
    /// (`qrew-submitter`), carried out by the leading coordinator (group `coordinators`).
    public var requests: String { "\(prefix):requests" }
    /// String: the JSON `RunRequestReply` to request `entryID` of `requests`, kept a few minutes.
    public func requestReply(_ entryID: String) -> String { "\(prefix):request:\(entryID)" }
}

extension QueueError {
    /// Whether Redis refused a command, or a command inside a script, under the caller's ACL
    /// user (`NOPERM`, or the script errors Redis 7 raises for the same reason).
    public var isPermissionDenied: Bool {
        guard case .redis(let error) = self, error.code == .server else { return false }
        return error.message.hasPrefix("NOPERM") || error.message.contains("The user executing the script can't")
    }
}

/// No coordinator answered a request in time.
public struct RunRequestTimeout: Error, CustomStringConvertible, Sendable {
    public let entryID: String
    public let stream: String
    public let timeout: Duration

    public var description: String {
        "no coordinator answered request \(entryID) on \(stream) within \(timeout): this Redis user may not change runs itself "
            + "(qrew-submitter), so the leading coordinator carries the change out; is a coordinator running on this namespace?"
    }
}

extension QueueClient {
    /// Entries the request stream keeps at most (`XADD MAXLEN ~`).
    public static let requestStreamCap = 10_000
    /// How long a request's reply is kept for the client waiting for it.
    public static let requestReplyRetention = Duration.seconds(300)

    /// Carries out `request` with this client's own access (a full-access client, or the
    /// leading coordinator answering `NS:requests`); a cancel or retry makes at most
    /// `callLimit` script calls (the coordinator finishes the rest).
    public func execute(_ request: RunRequest, callLimit: Int = .max) async throws(QueueError) -> RunRequestReply {
        switch request {
        case .cancel(let run, let reason):
            guard let count = try await cancelRun(run, reason: reason, callLimit: callLimit) else { return RunRequestReply(outcome: .unknownRun) }
            return RunRequestReply(outcome: .done, count: count, state: try await runFields(run)?["state"])
        case .retry(let run, let fresh):
            switch try await retryRun(run, fresh: fresh, callLimit: callLimit) {
            case .retried(let count, let eventID): return RunRequestReply(outcome: .done, count: count, eventID: eventID)
            case .nothingToRetry: return RunRequestReply(outcome: .nothingToRetry)
            case .unknownRun: return RunRequestReply(outcome: .unknownRun)
            case .notFinished(let state): return RunRequestReply(outcome: .notFinished, state: state)
            case .hasDynamicFanOut(let state): return RunRequestReply(outcome: .hasDynamicFanOut, state: state)
            case .unfinished(let state): return RunRequestReply(outcome: .unfinished, state: state)
            }
        case .signal(let run, let event, let data):
            guard let count = try await signal(run, event: event, data: data) else { return RunRequestReply(outcome: .unknownRun) }
            return RunRequestReply(outcome: .done, count: count)
        case .approve(let run, let taskIDs, let approve, let by, let reason):
            guard let count = try await decideApproval(run, taskIDs: taskIDs, approve: approve, by: by, reason: reason) else {
                return RunRequestReply(outcome: .unknownRun)
            }
            return RunRequestReply(outcome: .done, count: count)
        }
    }

    /// Carries out `request` directly; when this client's ACL user may not (Redis refuses the
    /// script's first write, before it changed anything), asks the leading coordinator through
    /// `NS:requests` and waits up to `timeout` for its reply (`RunRequestTimeout` after that).
    public func perform(
        _ request: RunRequest, timeout: Duration = .seconds(15), callLimit: Int = .max
    ) async throws -> RunRequestReply {
        let denied: QueueError
        do {
            return try await execute(request, callLimit: callLimit)
        } catch {
            denied = error
        }
        guard denied.isPermissionDenied else { throw denied }
        let entryID = try await enqueueRequest(request)
        return try await awaitRequestReply(entryID, timeout: timeout)
    }

    /// Adds `request` to `NS:requests`; returns its entry id.
    public func enqueueRequest(_ request: RunRequest) async throws(QueueError) -> String {
        var command: [RedisArgument] = ["XADD", .string(keys.requests), "MAXLEN", "~", .int(Self.requestStreamCap), "*"]
        for (field, value) in request.fields { command += [.string(field), .string(value)] }
        let reply = try await send(command)
        guard let id = reply.string else { throw .unexpectedReply(operation: "XADD", reply: "\(reply)") }
        return id
    }

    /// Polls for the reply to request `entryID` until it comes or `timeout` passes.
    public func awaitRequestReply(_ entryID: String, timeout: Duration) async throws -> RunRequestReply {
        let deadline = ContinuousClock.now + timeout
        var pause = Duration.milliseconds(20)
        while true {
            if let reply = try await requestReply(entryID) { return reply }
            guard ContinuousClock.now < deadline else { throw RunRequestTimeout(entryID: entryID, stream: keys.requests, timeout: timeout) }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(250))
        }
    }

    /// The reply to request `entryID`, or nil while there is none.
    public func requestReply(_ entryID: String) async throws(QueueError) -> RunRequestReply? {
        let reply = try await send(["GET", .string(keys.requestReply(entryID))])
        guard let text = reply.string else { return nil }
        guard let decoded = try? FoundationJSON.decode(RunRequestReply.self, from: Data(text.utf8)) else {
            throw .unexpectedReply(operation: "GET \(keys.requestReply(entryID))", reply: text)
        }
        return decoded
    }

    /// Stores the reply to request `entryID` for `requestReplyRetention` (one `SET PX`).
    public func storeRequestReply(_ entryID: String, _ reply: RunRequestReply) async throws(QueueError) {
        let text = (try? JSONEncoder().encode(reply)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"outcome":"refused"}"#
        _ = try await send(["SET", .string(keys.requestReply(entryID)), .string(text), "PX", .int(Self.requestReplyRetention.milliseconds)])
    }

    /// Acknowledges and deletes handled entries of `NS:requests`.
    public func acknowledgeRequests(_ ids: [String]) async throws(QueueError) {
        let stream = keys.requests
        try await session { session throws(QueueError) in try session.acknowledge(stream: stream, ids: ids) }
    }
}

/// The coordinator refused a request (malformed, or its script failed).
public struct RunRequestRefused: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { "the coordinator refused the request: \(reason)" }
}

/// The client calls of `qctl cancel`/`retry`/`signal`/`approve`, through `perform`: the same
/// results as `cancelRun`, `retryRun`, `signal` and `decideApproval`, whichever path carried
/// the change out.
extension QueueClient {
    /// `cancelRun`, or the request path for a client that may not run it.
    public func cancelRunOrRequest(_ runID: String, reason: String, callLimit: Int = .max) async throws -> Int? {
        let reply = try await perform(.cancel(run: runID, reason: reason), callLimit: callLimit)
        return try Self.count(of: reply)
    }

    /// `retryRun`, or the request path for a client that may not run it.
    public func retryRunOrRequest(_ runID: String, fresh: Bool, callLimit: Int = .max) async throws -> RetryResult {
        let reply = try await perform(.retry(run: runID, fresh: fresh), callLimit: callLimit)
        switch reply.outcome {
        case .done: return .retried(tasks: reply.count ?? 0, eventID: reply.eventID ?? "0-0")
        case .nothingToRetry: return .nothingToRetry
        case .unknownRun: return .unknownRun
        case .notFinished: return .notFinished(state: reply.state ?? "unknown")
        case .hasDynamicFanOut: return .hasDynamicFanOut(state: reply.state ?? "unknown")
        case .unfinished: return .unfinished(state: reply.state ?? "unknown")
        case .refused: throw RunRequestRefused(reason: reply.error ?? "no reason given")
        }
    }

    /// `signal`, or the request path for a client that may not run it.
    public func signalOrRequest(_ runID: String, event: String, data: String) async throws -> Int? {
        try Self.count(of: try await perform(.signal(run: runID, event: event, data: data)))
    }

    /// `decideApproval`, or the request path for a client that may not run it.
    public func decideApprovalOrRequest(
        _ runID: String, taskIDs: [String], approve: Bool, by decider: String, reason: String
    ) async throws -> Int? {
        try Self.count(of: try await perform(.approve(run: runID, taskIDs: taskIDs, approve: approve, by: decider, reason: reason)))
    }

    /// The count of a `done` reply, nil for an unknown run.
    private static func count(of reply: RunRequestReply) throws -> Int? {
        switch reply.outcome {
        case .unknownRun: return nil
        case .refused: throw RunRequestRefused(reason: reply.error ?? "no reason given")
        default: return reply.count ?? 0
        }
    }
}
