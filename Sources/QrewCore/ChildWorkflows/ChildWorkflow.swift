/// The workflow a `type: workflow` step runs as a run of its own (its child run): the text of a
/// `file:` resolved at submission, or of the inline `workflow:` mapping, validated with the
/// parent. The leader decomposes it when the step starts (docs/workflow-reference.md, *Child
/// workflows*).
public struct ChildWorkflow: Sendable, Hashable, Codable {
    /// The name problems of the child carry: the resolved file path, or the parent's file for an
    /// inline child.
    public var fileName: String
    /// The child workflow's YAML text.
    public var text: String
    /// The files the child's own `file:` steps include, by resolved path (its grandchildren).
    public var files: [String: String]
    /// Whether the child was written inline (`workflow:`) rather than named (`file:`).
    public var inline: Bool

    /// Creates a child workflow from its text.
    public init(fileName: String, text: String, files: [String: String] = [:], inline: Bool = false) {
        self.fileName = fileName
        self.text = text
        self.files = files
        self.inline = inline
    }

    /// The deepest nesting of child workflows (a child of a child ... counts each level).
    public static let maxDepth = NumericBounds.childWorkflowDepth.upperBound

    /// The reserved queue of child-workflow steps: the leader's child workflow loop claims them
    /// there and starts their child runs (workers never claim queues starting with "__").
    public static let placeholderQueue = "__workflow"

    /// `path` as written in a `file:` key of the workflow named `including`, resolved against the
    /// directory of `including` ("flows/a.yaml" including "lib/b.yaml" → "flows/lib/b.yaml"), with
    /// "." and ".." folded. An absolute path stays absolute.
    public static func resolve(_ path: String, from including: String) -> String {
        var joined = path
        if !path.hasPrefix("/"), let slash = including.lastIndex(of: "/") {
            joined = String(including[...slash]) + path
        }
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return (joined.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
    }
}
