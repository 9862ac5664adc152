/// One run in `qctl list --json` and `GET /api/runs` (docs/status-json.md): every key is always
/// present, absent times are `null`.
public struct RunListEntry: Encodable, Sendable {
    public let id: String
    public let name: String
    public let state: String
    public let createdAt: String?
    public let startedAt: String?
    public let finishedAt: String?
    /// Tasks finished (any final state) and in all.
    public let done: Int
    public let total: Int

    /// The entry of run `id` from its hash fields.
    public init(id: String, fields: [String: String]) {
        let total = Int(fields["total"] ?? "") ?? 0
        let pending = Int(fields["pending"] ?? "") ?? 0
        self.id = id
        name = fields["name"] ?? ""
        state = fields["state"] ?? "unknown"
        createdAt = Timestamp.milliseconds(fields["createdAt"]).map { Timestamp.rfc3339(milliseconds: $0) }
        startedAt = Timestamp.milliseconds(fields["startedAt"]).map { Timestamp.rfc3339(milliseconds: $0) }
        finishedAt = Timestamp.milliseconds(fields["finishedAt"]).map { Timestamp.rfc3339(milliseconds: $0) }
        done = max(total - pending, 0)
        self.total = total
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(state, forKey: .state)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(done, forKey: .done)
        try container.encode(total, forKey: .total)
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, state, createdAt, startedAt, finishedAt, done, total
    }
}
