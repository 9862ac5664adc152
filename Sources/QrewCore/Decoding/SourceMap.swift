/// Field path → position in the source text, recorded while decoding so problems found later on
/// the in-memory model can still point at a line.
struct SourceMap: Sendable {
    private var positions: [String: (line: Int, column: Int)] = [:]

    /// Remembers where the value at `field` starts.
    mutating func record(_ field: String, line: Int, column: Int) {
        positions[field] = (line, column)
    }

    /// The position of `field`, or of its closest recorded ancestor (`steps[2].run[1]` falls back
    /// to `steps[2].run`, then `steps[2]`).
    func position(of field: String) -> (line: Int, column: Int)? {
        var path = Substring(field)
        while !path.isEmpty {
            if let position = positions[String(path)] { return position }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { return nil }
            path = path[path.startIndex..<cut]
        }
        return nil
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
