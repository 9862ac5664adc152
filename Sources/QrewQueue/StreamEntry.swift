import QrewRedis

/// One entry of a Redis stream: its id and its field/value pairs, in order.
public struct StreamEntry: Sendable, Hashable {
    public let id: String
    public let fields: [String: String]

    public init(id: String, fields: [String: String]) {
        self.id = id
        self.fields = fields
    }

    /// Parses an XRANGE reply: `[[id, [field, value, ...]], ...]`.
    package static func parseEntries(_ reply: RedisReply, operation: String) throws(QueueError) -> [StreamEntry] {
        guard let items = reply.array else {
            throw .unexpectedReply(operation: operation, reply: "\(reply)")
        }
        var entries: [StreamEntry] = []
        entries.reserveCapacity(items.count)
        for item in items {
            guard let pair = item.array, pair.count == 2, let id = pair[0].string else {
                throw .unexpectedReply(operation: operation, reply: "\(item)")
            }
            // An entry deleted while still pending comes back with a nil field list.
            let flat = pair[1].array ?? []
            var fields: [String: String] = [:]
            for index in stride(from: 0, to: flat.count - 1, by: 2) {
                if let key = flat[index].string { fields[key] = flat[index + 1].string ?? "" }
            }
            entries.append(StreamEntry(id: id, fields: fields))
        }
        return entries
    }

    /// Parses an XREAD/XREADGROUP reply for one stream: `[[name, entries]]`, or nil on timeout.
    package static func parseStreams(_ reply: RedisReply, operation: String) throws(QueueError) -> [StreamEntry] {
        if reply.isNull { return [] }
        guard let streams = reply.array else { throw .unexpectedReply(operation: operation, reply: "\(reply)") }
        var entries: [StreamEntry] = []
        for stream in streams {
            guard let pair = stream.array, pair.count == 2 else {
                throw .unexpectedReply(operation: operation, reply: "\(stream)")
            }
            entries += try parseEntries(pair[1], operation: operation)
        }
        return entries
    }
}
