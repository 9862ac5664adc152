import QrewQueue
import QrewRedis

/// Our reply parsing path on arbitrary bytes: hiredis' reader (the C parser every connection
/// uses), the copy into `RedisReply`, then every decoder the queue applies to replies: stream
/// entries (XRANGE, XREAD, XAUTOCLAIM) and the progress events in them, claimed tasks, hashes,
/// the worker registry, dead letters and live messages. Checked: replies written back as RESP
/// read back equal.
///
/// Inputs declaring an array of more than 65,536 elements (or a negative count other than -1)
/// are skipped: hiredis 0.14 allocates the element table before reading any element
/// (`*2000000000` asks for 16 GB), and only our own Redis server sends these bytes.
enum RESPFuzz {
    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        guard !declaresHugeArray(bytes) else { return }
        let replies: [RedisReply]
        do {
            replies = try RedisReply.replies(parsingRESP: bytes)
        } catch {
            return
        }
        var written: [UInt8] = []
        for reply in replies { write(reply, to: &written) }
        let again = try? RedisReply.replies(parsingRESP: written)
        try expect(again == replies, "replies written back as RESP read differently: \(replies) became \(String(describing: again))")
        for reply in replies { decode(reply, depth: 0) }
    }

    /// Every reply decoder of the queue, on `reply` and on the elements of an array reply.
    private static func decode(_ reply: RedisReply, depth: Int) {
        _ = (reply.string, reply.int, reply.bytes, reply.isNull)
        for entries in [
            try? StreamEntry.parseEntries(reply, operation: "XRANGE"), try? StreamEntry.parseStreams(reply, operation: "XREAD"),
        ] {
            for entry in entries ?? [] {
                _ = entry.outputLines
                for event in (try? entry.progressEvents()) ?? [] { _ = event.outputLines }
            }
        }
        // Only what could be a claim reply: for anything else the decoder's first guard throws
        // an error describing the whole reply by reflection, most of an execution's time.
        if let flat = reply.array, !flat.isEmpty, flat.count % 9 == 0, let tasks = try? QueueClient.claimedTasks(reply) {
            for task in tasks { _ = (task.ref.description, task.spec, task.outputs, task.signature) }
        }
        _ = QueueClient.hash(reply)
        _ = QueueClient.heartbeats(reply)
        // As `deadLetters(limit:)` reads the list; only an object can be an entry, and skipping
        // the rest spares JSONDecoder most inputs.
        _ = reply.array?.compactMap { element in
            element.bytes.flatMap { $0.first { $0 > 0x20 } == UInt8(ascii: "{") ? DeadLetter(raw: $0) : nil }
        }
        if let text = reply.string { _ = try? StreamEntry.progressEvents(liveMessage: text) }
        guard depth < 2 else { return }
        for element in reply.array ?? [] { decode(element, depth: depth + 1) }
    }

    /// `reply` as RESP2.
    private static func write(_ reply: RedisReply, to bytes: inout [UInt8]) {
        switch reply {
        case .status(let text): bytes += Array("+\(text)\r\n".utf8)
        case .error(let text): bytes += Array("-\(text)\r\n".utf8)
        case .integer(let value): bytes += Array(":\(value)\r\n".utf8)
        case .null: bytes += Array("$-1\r\n".utf8)
        case .bulk(let payload):
            bytes += Array("$\(payload.count)\r\n".utf8)
            bytes += payload
            bytes += Array("\r\n".utf8)
        case .array(let elements):
            bytes += Array("*\(elements.count)\r\n".utf8)
            for element in elements { write(element, to: &bytes) }
        }
    }

    /// Whether some `*` is followed by a count over 65,536, or a negative one other than the nil
    /// array's -1 (which hiredis 0.14 would also take as a size).
    private static func declaresHugeArray(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index < bytes.count {
            defer { index += 1 }
            guard bytes[index] == UInt8(ascii: "*") else { continue }
            var digits = index + 1
            let negative = digits < bytes.count && bytes[digits] == UInt8(ascii: "-")
            if digits < bytes.count, negative || bytes[digits] == UInt8(ascii: "+") { digits += 1 }
            var value = 0
            while digits < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[digits]) {
                value = value * 10 + Int(bytes[digits] - UInt8(ascii: "0"))
                if value > 65_536 { return true }
                digits += 1
            }
            if negative && value > 1 { return true }
        }
        return false
    }
}
