import QrewRedis

extension QueueClient {
    /// The consumer group every coordinator reads `events` and `submissions` with.
    public static let coordinatorGroup = "coordinators"

    /// Creates the coordinators' consumer group on `stream` if it does not exist yet.
    public func ensureCoordinatorGroup(on stream: String) async throws(QueueError) {
        do {
            _ = try await redis.send("XGROUP", "CREATE", .string(stream), .string(Self.coordinatorGroup), "0", "MKSTREAM")
        } catch let error where error.code == .server && error.message.hasPrefix("BUSYGROUP") {
            return
        } catch {
            throw QueueError(error)
        }
    }

    /// Reads entries of `stream` for this coordinator that need recovery: first those it read
    /// before but did not acknowledge (it crashed between read and apply), then those another
    /// coordinator left unacknowledged for `staleAfter` (it died). Empty when there are none.
    /// Applying an entry twice is harmless: every consumer of these streams is idempotent.
    public func readUnfinished(
        stream: String, consumer: String, count: Int, staleAfter: Duration
    ) async throws(QueueError) -> [StreamEntry] {
        let pending = try await readGroup(stream: stream, consumer: consumer, count: count, from: "0", block: nil)
        if !pending.isEmpty { return pending }
        let stale = try await send([
            "XAUTOCLAIM", .string(stream), .string(Self.coordinatorGroup), .string(consumer),
            .int(staleAfter.milliseconds), "0", "COUNT", .int(count),
        ])
        if let parts = stale.array, parts.count >= 2 {
            return try StreamEntry.parseEntries(parts[1], operation: "XAUTOCLAIM")
        }
        return []
    }

    /// Reads entries of `stream` no coordinator has read yet, blocking up to `block`.
    public func readNew(stream: String, consumer: String, count: Int, block: Duration) async throws(QueueError) -> [StreamEntry] {
        try await readGroup(stream: stream, consumer: consumer, count: count, from: ">", block: block)
    }

    /// Acknowledges and deletes handled entries of `stream`.
    public func acknowledge(stream: String, ids: [String]) async throws(QueueError) {
        guard !ids.isEmpty else { return }
        let idArgs = ids.map { RedisArgument.string($0) }
        _ = try await pipeline([
            ["XACK", .string(stream), .string(Self.coordinatorGroup)] + idArgs, ["XDEL", .string(stream)] + idArgs,
        ])
    }

    private func readGroup(
        stream: String, consumer: String, count: Int, from id: String, block: Duration?
    ) async throws(QueueError) -> [StreamEntry] {
        var args: [RedisArgument] = [
            "XREADGROUP", "GROUP", .string(Self.coordinatorGroup), .string(consumer), "COUNT", .int(count),
        ]
        if let block { args += ["BLOCK", .int(block.milliseconds)] }
        args += ["STREAMS", .string(stream), .string(id)]
        let reply: RedisReply
        do {
            if let block {
                reply = try await redis.blocking(args, timeout: block)
            } else {
                reply = try await redis.send(args)
            }
        } catch {
            throw QueueError(error)
        }
        return try StreamEntry.parseStreams(reply, operation: "XREADGROUP")
    }
}
