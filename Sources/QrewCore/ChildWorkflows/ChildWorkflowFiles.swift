/// Gathers the files a workflow's child workflows name (`type: workflow` with `file:`),
/// transitively, so a submission can carry them and the coordinator never reads a file.
public enum ChildWorkflowFiles {
    /// The texts of every file that the workflow `text` (named `fileName`) includes through
    /// `file:` keys of workflow steps, inline children's included, by resolved path
    /// (`ChildWorkflow.resolve`). `read` gives a file's text, nil when it cannot be read (the
    /// loader then reports the file as not found). A file is read once however often it is
    /// named, so cycles end here; the loader reports them. Unparsable text includes nothing.
    public static func collect(text: String, fileName: String, read: (String) -> String?) -> [String: String] {
        var files: [String: String] = [:]
        var visited: Set<String> = [fileName]
        var pending: [(text: String, fileName: String)] = [(text, fileName)]
        var budget = 1000
        while let (text, name) = pending.popLast(), budget > 0 {
            budget -= 1
            guard mayNameChildWorkflows(text) else { continue }
            guard let root = try? YAMLComposer.compose(JSONText.normalizingTabs(in: text)) else { continue }
            for path in namedFiles(in: root) {
                let resolved = ChildWorkflow.resolve(path, from: name)
                guard visited.insert(resolved).inserted, let included = read(resolved) else { continue }
                files[resolved] = included
                pending.append((included, resolved))
            }
        }
        return files
    }

    /// Whether `text` can hold a `type: workflow` step: only if it spells `workflow`, or has a
    /// backslash (an escape in a double-quoted scalar). Most texts have neither, and are then not
    /// composed a second time (`qctl` collects before it loads).
    static func mayNameChildWorkflows(_ text: String) -> Bool {
        var text = text
        text.makeContiguousUTF8()
        let word = Array("workflow".utf8)
        return text.utf8.withContiguousStorageIfAvailable { bytes in
            guard bytes.count >= word.count else { return bytes.contains(UInt8(ascii: "\\")) }
            for index in bytes.indices {
                switch bytes[index] {
                case UInt8(ascii: "\\"):
                    return true
                case word[0] where index + word.count <= bytes.count && bytes[index..<(index + word.count)].elementsEqual(word):
                    return true
                default:
                    continue
                }
            }
            return false
        } ?? true
    }

    /// The `file:` values of the workflow steps of the workflow `root`, and of the inline
    /// children (`workflow:`) it declares, as written.
    static func namedFiles(in root: YAMLNode) -> [String] {
        guard case .sequence(let steps)? = root.mapping?["steps"] else { return [] }
        var paths: [String] = []
        for step in steps {
            guard let fields = step.mapping, fields["type"]?.scalar?.string == "workflow" else { continue }
            if let file = fields["file"]?.scalar?.string { paths.append(file) }
            if let inline = fields["workflow"] { paths += namedFiles(in: inline) }
        }
        return paths
    }
}
