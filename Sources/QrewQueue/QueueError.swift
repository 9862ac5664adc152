import QrewRedis

/// Errors of the protocol layer: Redis failures, and replies that break the protocol.
public enum QueueError: Error, Sendable, CustomStringConvertible {
    /// Redis could not be reached or refused a command.
    case redis(RedisError)
    /// A coordinator script was refused because this coordinator no longer leads.
    case fenced(String)
    /// A reply did not have the shape the protocol promises (a bug, or another version of Qrew).
    case unexpectedReply(operation: String, reply: String)
    /// The Lua scripts could not be read.
    case scripts(String)
    /// A run of `tasks` tasks was submitted directly (`QueueSession.submitDirectly`), which
    /// takes runs of at most `limit`; nothing was stored.
    case tooBigForDirectSubmission(tasks: Int, limit: Int)

    init(_ error: RedisError) {
        if error.code == .server, error.message.contains("FENCED") {
            self = .fenced(error.message)
        } else {
            self = .redis(error)
        }
    }

    public var description: String {
        switch self {
        case .redis(let error): "\(error)"
        case .fenced(let message): "not the leader any more: \(message)"
        case .unexpectedReply(let operation, let reply): "unexpected reply to \(operation): \(reply)"
        case .scripts(let message): "Qrew's Lua scripts: \(message)"
        case .tooBigForDirectSubmission(let tasks, let limit):
            "a run of \(tasks) tasks is too big to submit directly (at most \(limit)): submit it through the coordinators "
                + "(P:submissions), which store it in slices and resume it if one stops part-way"
        }
    }
}
