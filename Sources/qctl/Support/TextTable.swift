/// Left-aligned columns separated by two spaces, trailing blanks trimmed: the tables of
/// `plan`, `status`, `list` and `workers`.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            var line = ""
            for (index, cell) in row.enumerated() {
                if index > 0 { line += "  " }
                line += cell + String(repeating: " ", count: max(widths[index] - cell.count, 0))
            }
            while line.last == " " { line.removeLast() }
            return line
        }
    }

    /// The first line of `text`, cut to `limit` characters with an ellipsis.
    static func truncated(_ text: String, limit: Int) -> String {
        let firstLine = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: true).first.map(String.init) ?? ""
        let moreLines = text.contains("\n") && firstLine.count < text.trimmingCharacters(in: .newlines).count
        if firstLine.count > limit { return String(firstLine.prefix(max(limit - 1, 0))) + "…" }
        return moreLines ? firstLine + " …" : firstLine
    }
}
