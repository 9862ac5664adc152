import QrewRedis

/// A named pool shared by every run of the namespace (`P:pool:<name>`, docs/protocol.md).
public struct PoolSnapshot: Sendable, Hashable, Codable {
    public let name: String
    /// Its size, as the latest submission that declared it set it.
    public let size: Int
    /// Tasks of any run holding a slot now.
    public let inflight: Int
    /// Ready tasks waiting for a slot.
    public let parked: Int
}

extension QueueClient {
    /// Every pool of the namespace, by name. Pools have no index, so this walks the keyspace
    /// with `SCAN MATCH P:pool:* TYPE hash` (non-blocking, in pages of 1000): a read for
    /// operators, not for a hot path.
    public func pools() async throws(QueueError) -> [PoolSnapshot] {
        let pattern = "\(keys.prefix):pool:*"
        var cursor = "0"
        var names: Set<String> = []
        repeat {
            let reply = try await send(["SCAN", .string(cursor), "MATCH", .string(pattern), "COUNT", 1000, "TYPE", "hash"])
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                throw .unexpectedReply(operation: "SCAN pools", reply: "\(reply)")
            }
            cursor = next
            for key in parts[1].array?.compactMap(\.string) ?? [] {
                let name = String(key.dropFirst(pattern.count - 1))
                if !name.isEmpty, !name.contains(":") { names.insert(name) }
            }
        } while cursor != "0"
        let sorted = names.sorted()
        let replies = try await pipeline(sorted.flatMap { name -> [[RedisArgument]] in
            let key = "\(keys.prefix):pool:\(name)"
            return [["HMGET", .string(key), "size", "inflight"], ["ZCARD", .string(key + ":parked")]]
        })
        return sorted.enumerated().map { index, name in
            let values = replies[2 * index].array ?? []
            let number = { (position: Int) in values.count > position ? Int(values[position].string ?? "") ?? 0 : 0 }
            return PoolSnapshot(name: name, size: number(0), inflight: number(1), parked: replies[2 * index + 1].int ?? 0)
        }
    }
}
