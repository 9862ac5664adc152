extension Keys {
    /// Hash of one result-cache entry (output, exitCode, at, run, task, step, type, ttl; with
    /// similarity also space, sig, bands), expiring after its ttl.
    public func cacheEntry(_ key: String) -> String { "\(prefix):cache:entry:\(key)" }
    /// Sorted set of result-cache keys by expiry (ms): what `qctl cache list` lists and the size
    /// bound evicts from.
    public var cacheEntries: String { "\(prefix):cache:entries" }
    /// Hash of result-cache counters: hits, similarHits, misses, stores, evictions.
    public var cacheStats: String { "\(prefix):cache:stats" }
}
