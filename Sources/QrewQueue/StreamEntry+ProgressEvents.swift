import QrewCore

/// Progress events as the scripts write them (docs/protocol.md, "Progress events"): a run's
/// stream entry holds one event, or is a `batch` of the events one script call wrote for the
/// run (events that share most fields, as a claim's `task_started`, as one group); a live message
/// holds the events one call wrote, with the id of their stream entry.
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

    /// Reads `value`, an array of events, each as its field list (`[name, value, name, value, ...]`)
    /// or as a group of events that share fields, `{"fields": [...], "each": {name: [value per
    /// event], ...}}`, where an empty value means the event has no such field.
    private static func fieldLists(_ value: JSONValue, id: String, source: String) throws(QueueError) -> [StreamEntry] {
        guard case .array(let elements) = value else { throw .unexpectedReply(operation: "progress events", reply: source) }
        var entries: [StreamEntry] = []
        entries.reserveCapacity(elements.count)
        for element in elements {
            switch element {
            case .array(let flat):
                entries.append(StreamEntry(id: id, fields: try fields(flat, source: source)))
            case .object(let members):
                try appendGroup(members, id: id, source: source, to: &entries)
            default:
                throw .unexpectedReply(operation: "progress events", reply: source)
            }
        }
        return entries
    }

    /// A flat `[name, value, ...]` list of strings as a field map.
    private static func fields(_ flat: [JSONValue], source: String) throws(QueueError) -> [String: String] {
        var fields: [String: String] = [:]
        fields.reserveCapacity(flat.count / 2 + 2)
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            guard case .string(let name) = flat[index], case .string(let value) = flat[index + 1] else {
                throw .unexpectedReply(operation: "progress events", reply: source)
            }
            fields[name] = value
        }
        return fields
    }

    /// Appends the events of a group: each has the shared `fields` and its own non-empty value of
    /// every column of `each` (all columns are as long as the group).
    private static func appendGroup(_ members: [JSONMember], id: String, source: String, to entries: inout [StreamEntry]) throws(QueueError) {
        guard case .array(let flat)? = members.first(where: { $0.key == "fields" })?.value,
              case .object(let eachMembers)? = members.first(where: { $0.key == "each" })?.value
        else {
            throw .unexpectedReply(operation: "progress events", reply: source)
        }
        let shared = try fields(flat, source: source)
        var columns: [(name: String, values: [JSONValue])] = []
        for member in eachMembers {
            guard case .array(let values) = member.value, columns.isEmpty || values.count == columns[0].values.count else {
                throw .unexpectedReply(operation: "progress events", reply: source)
            }
            columns.append((member.key, values))
        }
        for index in 0..<(columns.first?.values.count ?? 0) {
            var fields = shared
            for column in columns {
                guard case .string(let value) = column.values[index] else {
                    throw .unexpectedReply(operation: "progress events", reply: source)
                }
                if !value.isEmpty { fields[column.name] = value }
            }
            entries.append(StreamEntry(id: id, fields: fields))
        }
    }
}
