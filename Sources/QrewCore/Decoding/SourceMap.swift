/// Field path → position in the source text, so problems found later on the in-memory model can
/// still point at a line.
///
/// It keeps the document and walks a problem's path (`steps[2].run[1]`) through it only when a
/// problem needs a position: recording every field's path while decoding cost a string and a
/// dictionary entry per node, a fifth of loading a big workflow, for files that mostly have none.
struct SourceMap: Sendable {
    /// The document the decoder read; nil before decoding.
    var root: YAMLNode?

    /// The position of `field`, or of its closest ancestor in the document (`steps[2].run[9]`
    /// falls back to `steps[2].run` when the list has no tenth item, then `steps[2]`).
    func position(of field: String) -> (line: Int, column: Int)? {
        guard var node = root else { return nil }
        var rest = Substring(field)
        while !rest.isEmpty {
            guard let (child, remainder) = Self.step(into: node, along: rest) else { break }
            node = child
            rest = remainder
        }
        guard rest.count < field.count || field.isEmpty else { return nil }
        return (node.mark.line, node.mark.column)
    }

    /// The child of `node` that `path` starts with, and the path after it. A mapping key may
    /// itself contain `.` or `[`: the longest key that `path` starts with wins.
    private static func step(into node: YAMLNode, along path: Substring) -> (YAMLNode, Substring)? {
        var path = path
        if path.first == "." { path = path.dropFirst() }
        switch node {
        case .sequence(let items):
            guard path.first == "[", let close = path.firstIndex(of: "]"),
                  let index = Int(path[path.index(after: path.startIndex)..<close]), items.indices.contains(index)
            else { return nil }
            return (items[index], path[path.index(after: close)...])
        case .mapping(let mapping):
            var best: (node: YAMLNode, length: Int)?
            for pair in mapping.pairs {
                guard let key = pair.key.scalar?.string, path.hasPrefix(key), key.count > (best?.length ?? -1) else { continue }
                let after = path.dropFirst(key.count)
                if after.isEmpty || after.first == "." || after.first == "[" { best = (pair.value, key.count) }
            }
            guard let best else { return nil }
            return (best.node, path.dropFirst(best.length))
        case .scalar:
            return nil
        }
    }

    /// `problem` with line and column filled in from its field, if it had none.
    func locate(_ problem: WorkflowProblem) -> WorkflowProblem {
        guard problem.line == nil, let field = problem.field, let position = position(of: field) else { return problem }
        var located = problem
        located.line = position.line
        located.column = position.column
        return located
    }
}
