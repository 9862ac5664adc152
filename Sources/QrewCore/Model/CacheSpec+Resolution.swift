extension CacheSpec {
    /// The shortest `ttl` accepted: entries are kept with millisecond expiry, and anything
    /// shorter than a second would expire before a dependent run could use it.
    public static let shortestTTL: Duration = .seconds(1)

    /// Whether `key` or `similar` could hold a template reference.
    var mayContainTemplates: Bool {
        [key, similar].contains { $0.map(Template.mayContainReference) ?? false }
    }

    /// The cache setting a task uses: the step's own (`false` included) over the workflow's
    /// `defaults.cache`, with `key` and `similar` rendered as far as submission allows
    /// (step outputs and the run id stay for the worker). `nil` when the task does not cache.
    static func resolved(
        step: CacheSpec?, defaults: CacheSpec?, renderer: TemplateRenderer
    ) throws(TemplateError) -> CacheSpec? {
        guard var cache = step ?? defaults, cache.enabled else { return nil }
        if let key = cache.key { cache.key = try renderer.renderPartially(key) }
        if let similar = cache.similar { cache.similar = try renderer.renderPartially(similar) }
        return cache
    }
}
