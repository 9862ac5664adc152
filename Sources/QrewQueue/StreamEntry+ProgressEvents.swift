import QrewCore

/// Progress events as the scripts write them (docs/protocol.md, "Progress events"): a run's
/// stream entry holds one event, or is a `batch` of the events one script call wrote for the
/// run; a live message holds the events one call wrote, with the id of their stream entry.
extension StreamEntry {
    /// The events this run-stream entry holds, in order: the entry itself, or for a `batch`
    /// entry each of its events, carrying the entry's id.
    public func progressEvents() throws(QueueError) -> [StreamEntry] {
        guard fields["type"] == "batch" else { return [self] }
        guard let events = try? JSONReader.parse(fields["events"] ?? "") else {
            throw .unexpectedReply(operation: "progress events", reply: "batch entry \(id)")
        }
        return try Self.fieldLists(events, id: id, source: "batch entry \(id)")
    }

    /// The events of one message on a run's live channel, `{"id": ..., "events": [...]}`, in
    /// order, each carrying the message's stream entry id.
    public static func progressEvents(liveMessage text: String) throws(QueueError) -> [StreamEntry] {
        guard case .object(let members)? = try? JSONReader.parse(text),
              case .string(let id)? = members.first(where: { $0.key == "id" })?.value,
              let events = members.first(where: { $0.key == "events" })?.value
        else {
            throw .unexpectedReply(operation: "live message", reply: text)
        }
        return try fieldLists(events, id: id, source: text)
    }

    /// Reads `value`, an array of events as field lists (`[name, value, name, value, ...]`).
    private static func fieldLists(_ value: JSONValue, id: String, source: String) throws(QueueError) -> [StreamEntry] {
        guard case .array(let lists) = value else { throw .unexpectedReply(operation: "progress events", reply: source) }
        var entries: [StreamEntry] = []
        entries.reserveCapacity(lists.count)
        for list in lists {
            guard case .array(let flat) = list else { throw .unexpectedReply(operation: "progress events", reply: source) }
            var fields: [String: String] = [:]
            for index in stride(from: 0, to: flat.count - 1, by: 2) {
                guard case .string(let name) = flat[index], case .string(let value) = flat[index + 1] else {
                    throw .unexpectedReply(operation: "progress events", reply: source)
                }
                fields[name] = value
            }
            entries.append(StreamEntry(id: id, fields: fields))
        }
        return entries
    }
}
