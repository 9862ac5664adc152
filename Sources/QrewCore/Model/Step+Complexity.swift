extension Step {
    /// Coarse size class of a step, turned into priority points by `PriorityTables`.
    public enum Complexity: String, Sendable, Hashable, Codable, CaseIterable {
        /// Quick, mechanical work.
        case simple
        /// Ordinary work.
        case medium
        /// Long or risky work worth starting early.
        case complex
        /// Work that plans or unlocks other work (agents, generators).
        case meta
    }
}
