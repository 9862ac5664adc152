/// A run and its tasks as stored in Redis at one moment (the fields of docs/protocol.md).
public struct RunSnapshot: Sendable, Hashable {
    public let id: String
    /// The run hash's fields.
    public let fields: [String: String]
    /// Each task's hash fields, in plan order.
    public let tasks: [[String: String]]

    public init(id: String, fields: [String: String], tasks: [[String: String]]) {
        self.id = id
        self.fields = fields
        self.tasks = tasks
    }

    public var state: String { fields["state"] ?? "unknown" }

    /// True once the run reached succeeded, failed or canceled.
    public var isFinished: Bool { fields["finishedAt"] != nil }
}

/// A worker as its last heartbeat described it.
public struct WorkerSnapshot: Sendable, Hashable {
    public let name: String
    /// Milliseconds since the epoch of its last heartbeat.
    public let lastSeen: Int
    /// The JSON info the worker sent (slots, queues, host, pid, running).
    public let info: String
}
