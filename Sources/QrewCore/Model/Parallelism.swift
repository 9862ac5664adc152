/// The `parallel:` section: how much of a run may execute at once.
public struct Parallelism: Sendable, Hashable, Codable {
    /// The most tasks of one run in flight at once; `nil` means unbounded.
    public var maxConcurrency: Int?
    /// Named pools (name → size); a task that names a pool holds one slot of it while running.
    public var resources: [String: Int]

    /// Creates limits; an empty pool table means steps may not name any `resource`.
    public init(maxConcurrency: Int? = nil, resources: [String: Int] = [:]) {
        self.maxConcurrency = maxConcurrency
        self.resources = resources
    }
}
