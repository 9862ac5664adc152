/// A change to a run that a client without write access to task hashes and queues (the
/// `qrew-submitter` role) asks the leading coordinator to make, through the `NS:requests` stream
/// (docs/security.md, *The request path*). Each case is one of the scripts anyone may run with
/// full access: `cancel_run`, `retry_run`/`continue_run`, `signal`, `approve`.
///
/// A request is untrusted input: `init(fields:)` accepts only known operations with bounded,
/// well-formed arguments.
public enum RunRequest: Sendable, Equatable {
    /// Cancel the run (`qctl cancel`).
    case cancel(run: String, reason: String)
    /// Run the run's unsuccessful tasks again, or every task with `fresh` (`qctl retry`).
    case retry(run: String, fresh: Bool)
    /// Deliver an event to the run's waiting tasks (`qctl signal`).
    case signal(run: String, event: String, data: String)
    /// Approve or reject tasks waiting for approval (`qctl approve` / `qctl reject`).
    case approve(run: String, taskIDs: [String], approve: Bool, by: String, reason: String)

    /// Why a request entry was refused.
    public struct Invalid: Error, Equatable, CustomStringConvertible, Sendable {
        /// What is wrong with the entry.
        public let description: String
    }

    /// Longest run id, event name, decider or task id.
    public static let maxNameBytes = 512
    /// Longest reason.
    public static let maxReasonBytes = 4096
    /// Longest signal data.
    public static let maxDataBytes = 256 * 1024
    /// Most task ids of one approval.
    public static let maxTaskIDs = 1000

    /// The run the request is about.
    public var run: String {
        switch self {
        case .cancel(let run, _), .retry(let run, _), .signal(let run, _, _), .approve(let run, _, _, _, _): run
        }
    }

    /// The stream entry's fields: `op` and the operation's arguments.
    public var fields: [(String, String)] {
        switch self {
        case .cancel(let run, let reason):
            [("op", "cancel"), ("run", run), ("reason", reason)]
        case .retry(let run, let fresh):
            [("op", "retry"), ("run", run), ("fresh", fresh ? "1" : "0")]
        case .signal(let run, let event, let data):
            [("op", "signal"), ("run", run), ("event", event), ("data", data)]
        case .approve(let run, let taskIDs, let approve, let by, let reason):
            [("op", approve ? "approve" : "reject"), ("run", run), ("tasks", taskIDs.joined(separator: "\n")), ("by", by), ("reason", reason)]
        }
    }

    /// Decodes and checks a stream entry's fields.
    public init(fields: [String: String]) throws(Invalid) {
        let run = try Self.name(fields, "run")
        guard !run.contains("/") else { throw Invalid(description: "run id \"\(run)\" holds \"/\"") }
        switch fields["op"] {
        case "cancel":
            self = .cancel(run: run, reason: try Self.text(fields, "reason", max: Self.maxReasonBytes))
        case "retry":
            guard let fresh = fields["fresh"], fresh == "0" || fresh == "1" else {
                throw Invalid(description: "retry needs fresh = 0 or 1")
            }
            self = .retry(run: run, fresh: fresh == "1")
        case "signal":
            self = .signal(run: run, event: try Self.name(fields, "event"), data: try Self.text(fields, "data", max: Self.maxDataBytes))
        case "approve", "reject":
            let ids = (fields["tasks"] ?? "").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard !ids.isEmpty, ids.count <= Self.maxTaskIDs, ids.allSatisfy({ !$0.isEmpty && $0.utf8.count <= Self.maxNameBytes }) else {
                throw Invalid(description: "\(fields["op"] ?? "") needs 1 to \(Self.maxTaskIDs) task ids (one per line, each 1 to \(Self.maxNameBytes) bytes)")
            }
            self = .approve(
                run: run, taskIDs: ids, approve: fields["op"] == "approve", by: try Self.name(fields, "by"),
                reason: try Self.text(fields, "reason", max: Self.maxReasonBytes))
        case let op?:
            throw Invalid(description: "unknown op \"\(op.prefix(64))\"; expected cancel, retry, signal, approve or reject")
        case nil:
            throw Invalid(description: "the entry has no op field")
        }
    }

    private static func name(_ fields: [String: String], _ key: String) throws(Invalid) -> String {
        guard let value = fields[key], !value.isEmpty, value.utf8.count <= maxNameBytes,
              !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw Invalid(description: "\(key) must be 1 to \(maxNameBytes) bytes without control characters")
        }
        return value
    }

    private static func text(_ fields: [String: String], _ key: String, max: Int) throws(Invalid) -> String {
        let value = fields[key] ?? ""
        guard value.utf8.count <= max else { throw Invalid(description: "\(key) is longer than \(max) bytes") }
        return value
    }
}

/// What the coordinator did with a `RunRequest` (or what a client with write access did itself),
/// stored as JSON in `NS:request:<entry id>` for the client that asked.
public struct RunRequestReply: Codable, Sendable, Equatable {
    /// How the request ended.
    public enum Outcome: String, Codable, Sendable {
        /// Done: `count` tasks were canceled, signaled or decided, or retried (with `eventID`).
        case done
        /// No such run.
        case unknownRun
        /// Retry: every task had succeeded.
        case nothingToRetry
        /// Retry: the run has not finished (`state`).
        case notFinished
        /// Retry: `fresh` of a run with an expanded dynamic fan-out (`state`).
        case hasDynamicFanOut
        /// Retry: begun, but left for the coordinator to finish (`state`).
        case unfinished
        /// The coordinator refused the request (`error`): malformed, or it failed.
        case refused
    }

    public var outcome: Outcome
    /// Tasks affected.
    public var count: Int?
    /// The run's state, where the outcome names one.
    public var state: String?
    /// The retry's `run_retried` stream entry id.
    public var eventID: String?
    /// Why the request was refused.
    public var error: String?

    public init(outcome: Outcome, count: Int? = nil, state: String? = nil, eventID: String? = nil, error: String? = nil) {
        self.outcome = outcome
        self.count = count
        self.state = state
        self.eventID = eventID
        self.error = error
    }
}
