/// A big workflow's text cut so that its `steps:` list can be parsed in pieces at once: the rest
/// of the document (`head`, the list's lines emptied) and the list's items in runs of whole items
/// (`pieces`). Every part keeps the lines of the original text, so every mark a parse of a part
/// gives is the one the whole text gives (a piece starts with as many empty lines as come before
/// it).
///
/// Only the plain layout is cut: a top-level `steps:` key alone on its line (a comment may
/// follow), then its block list, each item starting at the same indentation with `- `, and
/// nothing less indented inside the list but empty or comment lines. Anything else (document
/// markers or directives, tabs or line breaks other than `\n` and `\r\n`, a list ending in
/// something other than the next top-level key) is not cut, and the text is parsed whole.
/// Cutting can only fail a parse that would succeed whole (a quoted text or flow collection
/// spanning a cut, an alias of an anchor in another part): the caller then parses the whole
/// text, so what a cut parse returns is always what the whole parse returns.
struct StepListPieces {
    /// The text with the list's lines emptied: `steps:` has no value there.
    let head: String
    /// The line (1-based) of the `steps:` key.
    let keyLine: Int
    /// Runs of whole items, in order.
    let pieces: [String]

    /// Cuts `text` into at most `count` pieces of about the same size; nil when the text does not
    /// have the plain layout or the list is too short to be worth cutting (fewer than two items
    /// per piece).
    init?(_ text: String, count: Int) {
        guard count > 1 else { return nil }
        var text = text
        text.makeContiguousUTF8()
        guard let cut = text.utf8.withContiguousStorageIfAvailable({ Self.cut($0, count: count) }) ?? nil else { return nil }
        self = cut
    }

    private init(head: String, keyLine: Int, pieces: [String]) {
        self.head = head
        self.keyLine = keyLine
        self.pieces = pieces
    }

    private static let newline = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")

    /// One line of the text: its first byte, where its line break starts, and the byte after it.
    private typealias Line = (start: Int, end: Int, next: Int)

    /// The lines of `bytes`: each one's start, end (before its `\n` or `\r\n`) and the index after
    /// its line break. Nil when the text holds a line break YAML knows that this reader does not
    /// (a lone `\r`, NEL, LS or PS), or a tab.
    private static func lines(_ bytes: UnsafeBufferPointer<UInt8>) -> [Line]? {
        var lines: [Line] = []
        var start = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            switch byte {
            case newline:
                let end = index > start && bytes[index - 1] == UInt8(ascii: "\r") ? index - 1 : index
                lines.append((start, end, index + 1))
                start = index + 1
            case UInt8(ascii: "\r"):
                guard index + 1 < count, bytes[index + 1] == newline else { return nil }
            case UInt8(ascii: "\t"):
                return nil
            case 0xC2:
                if index + 1 < count, bytes[index + 1] == 0x85 { return nil }
            case 0xE2:
                if index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9 { return nil }
            default:
                break
            }
            index += 1
        }
        if start < count { lines.append((start, count, count)) }
        return lines
    }

    private static func cut(_ bytes: UnsafeBufferPointer<UInt8>, count: Int) -> StepListPieces? {
        guard let lines = lines(bytes) else { return nil }
        func indentation(_ line: Line) -> Int {
            var index = line.start
            while index < line.end, bytes[index] == space { index += 1 }
            return index - line.start
        }
        /// Whether the line holds nothing but spaces and perhaps a comment.
        func isBlank(_ line: Line) -> Bool {
            let first = line.start + indentation(line)
            return first == line.end || bytes[first] == UInt8(ascii: "#")
        }
        func startsWith(_ line: Line, at offset: Int, _ prefix: StaticString) -> Bool {
            let length = prefix.utf8CodeUnitCount
            guard line.end - line.start - offset >= length else { return false }
            for index in 0..<length where bytes[line.start + offset + index] != prefix.utf8Start[index] { return false }
            return true
        }
        /// Whether the line at `indent` spaces starts a list item (`- ` or a lone `-`).
        func isItem(_ line: Line, indent: Int) -> Bool {
            let dash = line.start + indent
            guard dash < line.end, bytes[dash] == UInt8(ascii: "-") else { return false }
            return dash + 1 == line.end || bytes[dash + 1] == space
        }

        // No document markers or directives anywhere: the text is one plain document.
        for line in lines where startsWith(line, at: 0, "---") || startsWith(line, at: 0, "...") || startsWith(line, at: 0, "%") {
            return nil
        }
        guard let keyIndex = lines.firstIndex(where: { startsWith($0, at: 0, "steps:") }) else { return nil }
        let keyLine = lines[keyIndex]
        var rest = keyLine.start + "steps:".utf8.count
        while rest < keyLine.end, bytes[rest] == space { rest += 1 }
        guard rest == keyLine.end || (bytes[rest] == UInt8(ascii: "#") && rest > keyLine.start + "steps:".utf8.count) else { return nil }

        guard let first = lines[(keyIndex + 1)...].firstIndex(where: { !isBlank($0) }) else { return nil }
        let indent = indentation(lines[first])
        guard isItem(lines[first], indent: indent) else { return nil }
        var items = [first]
        var end = lines.endIndex
        for index in (first + 1)..<lines.endIndex {
            let line = lines[index]
            if isBlank(line) { continue }
            let lineIndent = indentation(line)
            if lineIndent > indent { continue }
            if lineIndent == indent, isItem(line, indent: indent) {
                items.append(index)
                continue
            }
            // The list ends at the next top-level key; anything else is left to the whole parse.
            guard lineIndent == 0 else { return nil }
            end = index
            break
        }
        let pieceCount = min(count, items.count / 2)
        guard pieceCount > 1 else { return nil }

        let listStart = lines[first].start
        let listEnd = end < lines.endIndex ? lines[end].start : bytes.count
        var head: [UInt8] = []
        head.reserveCapacity(listStart + (end - first) + (bytes.count - listEnd))
        head.append(contentsOf: bytes[0..<listStart])
        head.append(contentsOf: repeatElement(newline, count: lines[first..<end].filter { $0.next > $0.end }.count))
        head.append(contentsOf: bytes[listEnd...])

        // Pieces of about the same size in bytes, each starting at an item.
        var pieces: [String] = []
        var itemCursor = 0
        for piece in 0..<pieceCount {
            let startLine = items[itemCursor]
            let target = listStart + (listEnd - listStart) * (piece + 1) / pieceCount
            var nextCursor = itemCursor + 1
            while nextCursor < items.count, lines[items[nextCursor]].start < target { nextCursor += 1 }
            if piece == pieceCount - 1 { nextCursor = items.count }
            let pieceEnd = nextCursor < items.count ? lines[items[nextCursor]].start : listEnd
            var text: [UInt8] = []
            text.reserveCapacity(startLine + pieceEnd - lines[startLine].start)
            text.append(contentsOf: repeatElement(newline, count: startLine))
            text.append(contentsOf: bytes[lines[startLine].start..<pieceEnd])
            pieces.append(String(decoding: text, as: UTF8.self))
            itemCursor = nextCursor
            if itemCursor >= items.count { break }
        }
        return StepListPieces(head: String(decoding: head, as: UTF8.self), keyLine: keyIndex + 1, pieces: pieces)
    }
}
