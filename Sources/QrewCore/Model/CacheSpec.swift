/// Result caching for a step: a task whose key was seen within `ttl` reuses the stored result.
public struct CacheSpec: Sendable, Hashable, Codable {
    /// Cache key (may contain templates); `nil` (from `cache: true`) means the coordinator derives
    /// one from the resolved task settings.
    public var key: String?
    /// How long an entry stays valid; `nil` means until the run data expires.
    public var ttl: Duration?

    /// Creates a cache setting.
    public init(key: String? = nil, ttl: Duration? = nil) {
        self.key = key
        self.ttl = ttl
    }
}
