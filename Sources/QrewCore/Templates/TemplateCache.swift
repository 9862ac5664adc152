import Synchronization

/// Templates parsed once and rendered many times: decomposing a matrix step renders the same
/// field texts once per task, with only the matrix values changing, so a renderer given a
/// cache (`TemplateRenderer(context:cache:)`) parses each distinct text once. A text that does
/// not parse is not kept: it throws the same error each time.
public final class TemplateCache: Sendable {
    private let parsed = Mutex<[String: Template]>([:])

    /// Creates an empty cache.
    public init() {}

    /// `text` parsed, from the cache when it was parsed before.
    func template(_ text: String) throws(TemplateError) -> Template {
        if let template = parsed.withLock({ $0[text] }) { return template }
        let template = try Template(parsing: text)
        parsed.withLock { $0[text] = template }
        return template
    }
}
