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

    /// Reads entries of `stream` for this coordinator: first those it read before but did not
    /// acknowledge (a crash between read and apply), then new ones, blocking up to `block`.
    public func readGroup(
        stream: String, consumer: String, count: Int, block: Duration
    ) async throws(QueueError) -> [StreamEntry] {
        let pending = try await readGroup(stream: stream, consumer: consumer, count: count, from: "0", block: nil)
        if !pending.isEmpty { return pending }
        return try await readGroup(stream: stream, consumer: consumer, count: count, from: ">", block: block)
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
