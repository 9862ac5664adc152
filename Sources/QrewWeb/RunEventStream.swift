import Foundation
import Hummingbird
import QrewQueue

/// Serves a run's progress stream as Server-Sent Events: the entries after the client's
/// position (`XRANGE`, 1000 at a time), then new ones as they come (`XREAD BLOCK` on a
/// connection of this stream's own), ending after `run_finished` once the run has finished.
///
/// Each event's SSE `id` is its stream entry id. A `batch` entry holds several events: all but
/// its last get `<entry id>/<n>` (n counting from 0), its last the plain entry id, so that
/// resuming from any of them (`Last-Event-ID`) repeats and loses nothing.
struct RunEventStream: Sendable {
    let queue: QueueClient
    let runID: String
    let position: Position
    /// How long one `XREAD` blocks; an idle stream sends a comment between blocks, which also
    /// notices a client that went away.
    var block: Duration = .seconds(10)

    /// Where to resume: after a whole entry, or after the first `skip` events of an entry.
    struct Position: Sendable, Equatable {
        var entry: String
        var skip: Int

        static let start = Position(entry: "0", skip: 0)

        /// Parses an SSE id: `<ms>-<seq>` or `<ms>-<seq>/<n>`; nil for anything else.
        init?(eventID text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count <= 2, Self.isEntryID(parts[0]) else { return nil }
            if parts.count == 2 {
                guard let index = Int(parts[1]), index >= 0, index < 1_000_000 else { return nil }
                (entry, skip) = (String(parts[0]), index + 1)
            } else {
                (entry, skip) = (String(parts[0]), 0)
            }
        }

        init(entry: String, skip: Int) { (self.entry, self.skip) = (entry, skip) }

        private static func isEntryID(_ text: Substring) -> Bool {
            let halves = text.split(separator: "-", omittingEmptySubsequences: false)
            return halves.count == 2 && halves.allSatisfy { !$0.isEmpty && $0.count <= 20 && UInt64($0) != nil }
        }

        /// The id just before `entry`, so that an exclusive read after it starts at `entry`.
        var entryBefore: String {
            let halves = entry.split(separator: "-").compactMap { UInt64($0) }
            guard halves.count == 2 else { return "0" }
            if halves[1] > 0 { return "\(halves[0])-\(halves[1] - 1)" }
            return halves[0] > 0 ? "\(halves[0] - 1)-\(UInt64.max)" : "0"
        }
    }

    func write(to writer: inout any ResponseBodyWriter) async throws {
        // Read from just before a partly delivered batch entry, skipping what was delivered.
        var after = position.skip > 0 ? position.entryBefore : position.entry
        var skip = position.skip > 0 ? (entry: position.entry, count: position.skip) : nil
        var live = false
        var idle = ContinuousClock.now
        while !Task.isCancelled {
            var events = live
                ? try await queue.followRunEvents(runID, after: after, block: block)
                : try await queue.runEvents(runID, after: after, count: 1000)
            if events.isEmpty {
                if try await finished() {
                    // It may have finished between the read and the check: read once more.
                    events = try await queue.runEvents(runID, after: after, count: 1000)
                    if events.isEmpty { break }
                } else {
                    if live, ContinuousClock.now - idle >= block {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        idle = ContinuousClock.now
                    }
                    live = true
                    continue
                }
            }
            var text = ""
            var index = 0
            while index < events.count {
                var end = index
                while end + 1 < events.count, events[end + 1].id == events[index].id { end += 1 }
                let entry = events[index].id
                let first = skip.map { $0.entry == entry ? $0.count : 0 } ?? 0
                skip = nil
                if first <= end - index {
                    for number in (index + first)...end {
                        let id = number == end ? entry : "\(entry)/\(number - index)"
                        text += Self.format(events[number], id: id)
                    }
                }
                index = end + 1
            }
            after = events[events.count - 1].id
            if !text.isEmpty {
                try await writer.write(ByteBuffer(string: text))
                idle = ContinuousClock.now
            }
            if events[events.count - 1].fields["type"] == "run_finished", try await finished() { break }
        }
        try await writer.finish(nil)
    }

    /// True once the run has finished (`finishedAt` is set; a retry clears it) or is gone.
    private func finished() async throws -> Bool {
        guard let fields = try await queue.runFields(runID) else { return true }
        return !(fields["finishedAt"] ?? "").isEmpty
    }

    /// One SSE event: `id:` and a `data:` line holding the event's fields as a JSON object.
    static func format(_ event: StreamEntry, id: String) -> String {
        var object = event.fields
        object["id"] = id
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return "id: \(id)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}
