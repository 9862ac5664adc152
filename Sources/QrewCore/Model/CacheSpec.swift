/// Result caching for a step: a task whose key has a fresh stored result completes from it
/// without running (docs/workflow-reference.md, *Caching*).
public struct CacheSpec: Sendable, Hashable, Codable {
    /// Which runs share entries. Entries of one scope are never visible from another.
    public enum Scope: String, Sendable, Hashable, Codable, CaseIterable {
        /// Every run of the same workflow name (the default).
        case workflow
        /// Every run of every workflow in the namespace.
        case namespace
        /// Only the tasks of one run (e.g. a matrix whose cells repeat work).
        case run
    }

    /// The ttl of `cache: true` and of a mapping without `ttl`.
    public static let defaultTTL: Duration = .seconds(3600)
    /// The similarity a `similar` match needs when `threshold` is not given.
    public static let defaultThreshold = 0.85

    /// Whether the step caches at all: `cache: false` on a step turns off a `defaults.cache`.
    public var enabled: Bool
    /// Cache key (may contain templates); `nil` derives one from the rendered spec and the
    /// outputs it reads.
    public var key: String?
    /// How long an entry stays valid; `nil` means `defaultTTL`.
    public var ttl: Duration?
    /// Which runs share entries; `nil` means `.workflow`.
    public var scope: Scope?
    /// Text (may contain templates) whose near-duplicates, among cached tasks of the same step
    /// type and scope, may lend their result; `nil` for exact keys only.
    public var similar: String?
    /// The least estimated Jaccard similarity of `similar` texts that counts as a match.
    public var threshold: Double?

    /// Creates a cache setting.
    public init(
        enabled: Bool = true, key: String? = nil, ttl: Duration? = nil, scope: Scope? = nil, similar: String? = nil,
        threshold: Double? = nil
    ) {
        self.enabled = enabled
        self.key = key
        self.ttl = ttl
        self.scope = scope
        self.similar = similar
        self.threshold = threshold
    }
}
